"""Excel imports into the three ledgers: template, dry run, and the crash-safe write.

1. `import_template(kind)` — the workbook users fill in (Chinese headers with hints, drop-down
   lists for choices, text-formatted ID and phone columns, a sheet of instructions).
2. `import_batch_prepare(actor, kind, upload)` — the dry run: reads the file (bounded), checks
   every row with the same rules the services apply (choices by their Chinese labels, dates in
   common formats, yuan to fen, ID numbers by GB 11643, the village by name or code and in the
   user's scope, duplicates within the file and against the ledger) and stores the rows and
   their problems in an `ImportBatch`. Nothing is written to the ledgers.
3. `import_batch_start(actor, batch, mode)` — the user's choice: "all" (only when no row has a
   problem; one transaction) or "valid only"; queues `ledgers.tasks.import_batch_run`.
4. `import_batch_execute(batch_id)` — the write, run by the task. Each row's record is created
   through the ledger's own service and the row is marked written in the same transaction,
   guarded by a compare-and-set, so rerunning the task never doubles nor loses a row.
5. `import_batches_purge_stale()` — daily: batches checked but never run are deleted, rows and
   all, after JICENG_IMPORT_UNRUN_DAYS (7).

The package's modules, by concern:

- `columns` — the per-ledger column specifications (`SPECS`: columns, create, duplicate keys);
- `parsing` — cell parsers (`parse_*`, `CellError`);
- `validation` — row checks with the ledger services' rules (`validate_rows`), ID/phone cells sealed;
- `template` — the xlsx template;
- `batches` — the batch lifecycle: dry run, start, write, resume, purge;
- `exports` — the ledger exports' columns (read from the column specifications) and their audit trace.

Every name other modules use is re-exported here: import from `ledgers.services.imports`.
"""

from ledgers.services.imports.batches import (
    PROGRESS_EVERY,
    can_import,
    import_batch_execute,
    import_batch_get,
    import_batch_prepare,
    import_batch_purge_at,
    import_batch_recent,
    import_batch_start,
    import_batches_purge_stale,
    import_batches_resume,
    import_unrun_days,
)
from ledgers.services.imports.columns import (
    APPEAL_COLUMNS,
    HOUSEHOLD_COLUMNS,
    IMPORT_MAX_BYTES,
    IMPORT_MAX_ROWS,
    MATTER_COLUMNS,
    SPECS,
    VILLAGE,
    Column,
    ImportSpec,
    import_spec,
)
from ledgers.services.imports.exports import (
    EXPORT_COLUMNS,
    export_headers,
    export_rows,
    ledger_export_audit,
)
from ledgers.services.imports.parsing import (
    EXCEL_EPOCH,
    CellError,
    parse_bool,
    parse_choice,
    parse_choices,
    parse_date,
    parse_id_number,
    parse_int,
    parse_money_fen,
    parse_phone,
    parse_text,
)
from ledgers.services.imports.template import (
    example_village,
    import_template,
)
from ledgers.services.imports.validation import (
    RULES,
    SENSITIVE_PARSES,
    ParsedRow,
    VillageResolver,
    seal_values,
    unseal_values,
    validate_rows,
)

__all__ = [
    "APPEAL_COLUMNS",
    "CellError",
    "Column",
    "EXCEL_EPOCH",
    "HOUSEHOLD_COLUMNS",
    "IMPORT_MAX_BYTES",
    "IMPORT_MAX_ROWS",
    "ImportSpec",
    "MATTER_COLUMNS",
    "PROGRESS_EVERY",
    "ParsedRow",
    "RULES",
    "SENSITIVE_PARSES",
    "SPECS",
    "VILLAGE",
    "VillageResolver",
    "can_import",
    "example_village",
    "import_batch_execute",
    "import_batch_get",
    "import_batch_prepare",
    "import_batch_purge_at",
    "import_batch_recent",
    "import_batch_start",
    "import_batches_purge_stale",
    "import_batches_resume",
    "import_spec",
    "import_template",
    "import_unrun_days",
    "ledger_export_audit",
    "EXPORT_COLUMNS",
    "export_headers",
    "export_rows",
    "parse_bool",
    "parse_choice",
    "parse_choices",
    "parse_date",
    "parse_id_number",
    "parse_int",
    "parse_money_fen",
    "parse_phone",
    "parse_text",
    "seal_values",
    "unseal_values",
    "validate_rows",
]
