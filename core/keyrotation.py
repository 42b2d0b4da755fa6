"""Moving every encrypted value and search hash to the newest field key (`manage.py rotate_field_key`).

What is rotated is found, not listed: every concrete column of class `EncryptedTextField` in
every installed model (so a new app's fields are covered without an edit here), the keyed hash
column each one names in `hash_field=`, and the JSON columns a model lists in
`sealed_json_fields` (values stored as {"enc": token}, e.g. the rows of an import batch).

The run goes table by table in primary-key order, one transaction per batch. A row whose values
the newest key already reads and whose hashes are the newest key's is left alone, so a rerun
after an interruption only does what is left (resumable, idempotent). Each write is a
compare-and-set on the ciphertext read: a row saved by a user meanwhile (already under the
newest key) is never overwritten with an older value. One audit event records the counts,
never a value.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field

from django.apps import apps
from django.db import connections, router, transaction
from django.utils.translation import gettext as _

from core.crypto import EncryptedTextField, decrypt, encrypt, is_current, key_ids, keyed_hash

DEFAULT_BATCH_SIZE = 500


@dataclass
class Target:
    """One model's encrypted columns: [(encrypted field, its hash field or None)], sealed JSON fields."""

    model: type
    fields: list = field(default_factory=list)
    json_fields: list = field(default_factory=list)

    @property
    def label(self) -> str:
        return self.model._meta.label_lower


@dataclass
class Counts:
    scanned: int = 0
    updated: int = 0
    current: int = 0
    changed_meanwhile: int = 0
    unreadable: int = 0
    by_model: dict = field(default_factory=dict)

    def add(self, label: str, name: str, n: int = 1) -> None:
        setattr(self, name, getattr(self, name) + n)
        self.by_model.setdefault(
            label, {"scanned": 0, "updated": 0, "current": 0, "changed_meanwhile": 0, "unreadable": 0}
        )
        self.by_model[label][name] += n


def encrypted_targets() -> list[Target]:
    targets = []
    for model in apps.get_models():
        meta = model._meta
        if meta.proxy or not meta.managed:
            continue
        fields = []
        for f in meta.local_concrete_fields:
            if isinstance(f, EncryptedTextField):
                hash_name = getattr(f, "hash_field", "")
                fields.append((f, meta.get_field(hash_name) if hash_name else None))
        json_fields = [meta.get_field(name) for name in getattr(model, "sealed_json_fields", ())]
        if fields or json_fields:
            targets.append(Target(model, fields, json_fields))
    return targets


class _Unreadable(Exception):
    pass


def _plain(token):
    try:
        return decrypt(token)
    except ValueError as exc:
        raise _Unreadable() from exc


def _rotate_json(value):
    """(new value, changed) with every {"enc": token} re-encrypted under the newest key."""
    if isinstance(value, dict):
        if set(value) == {"enc"} and isinstance(value["enc"], str):
            if is_current(value["enc"]):
                return value, False
            return {"enc": encrypt(_plain(value["enc"]))}, True
        changed = False
        out = {}
        for key, item in value.items():
            out[key], item_changed = _rotate_json(item)
            changed |= item_changed
        return out, changed
    if isinstance(value, list):
        pairs = [_rotate_json(item) for item in value]
        return [p[0] for p in pairs], any(p[1] for p in pairs)
    return value, False


def _row_update(target: Target, row: dict) -> dict | None:
    """The new column values for one row (column -> value), or None when it is already current."""
    update = {}
    for enc, hash_field in target.fields:
        token = row[enc.column]
        if not token:
            if hash_field is not None and row[hash_field.column]:
                update[hash_field.column] = ""
            continue
        plaintext = _plain(token)
        if not is_current(token):
            update[enc.column] = encrypt(plaintext)
        if hash_field is not None:
            digest = keyed_hash(plaintext)
            if row[hash_field.column] != digest:
                update[hash_field.column] = digest
    for json_field in target.json_fields:
        raw = row[json_field.column]
        value = json.loads(raw) if isinstance(raw, (str, bytes)) else raw
        new, changed = _rotate_json(value)
        if changed:
            update[json_field.column] = json.dumps(new, ensure_ascii=False)
    return update or None


def _rotate_batch(target: Target, after, batch_size: int, counts: Counts, dry_run: bool):
    """One transaction: read up to batch_size rows after pk `after`, write those not current.
    Returns the last pk read, or None when the table is done."""
    model = target.model
    using = router.db_for_write(model)
    connection = connections[using]
    quote = connection.ops.quote_name
    table = quote(model._meta.db_table)
    pk = model._meta.pk.column
    columns = [pk]
    for enc, hash_field in target.fields:
        columns.append(enc.column)
        if hash_field is not None:
            columns.append(hash_field.column)
    columns += [f.column for f in target.json_fields]
    cas_columns = [enc.column for enc, _h in target.fields]
    select = f"SELECT {', '.join(quote(c) for c in columns)} FROM {table}"
    with transaction.atomic(using=using), connection.cursor() as cursor:
        if after is None:
            cursor.execute(f"{select} ORDER BY {quote(pk)} LIMIT %s", [batch_size])
        else:
            cursor.execute(f"{select} WHERE {quote(pk)} > %s ORDER BY {quote(pk)} LIMIT %s", [after, batch_size])
        rows = [dict(zip(columns, values, strict=True)) for values in cursor.fetchall()]
        for row in rows:
            counts.add(target.label, "scanned")
            try:
                update = _row_update(target, row)
            except _Unreadable:
                counts.add(target.label, "unreadable")
                continue
            if update is None:
                counts.add(target.label, "current")
                continue
            if dry_run:
                counts.add(target.label, "updated")
                continue
            assignments = ", ".join(f"{quote(c)} = %s" for c in update)
            guards = " AND ".join(
                [f"{quote(pk)} = %s"]
                + [f"{quote(c)} IS NULL" if row[c] is None else f"{quote(c)} = %s" for c in cas_columns]
            )
            params = [*update.values(), row[pk], *[row[c] for c in cas_columns if row[c] is not None]]
            cursor.execute(f"UPDATE {table} SET {assignments} WHERE {guards}", params)
            counts.add(target.label, "updated" if cursor.rowcount == 1 else "changed_meanwhile")
    return rows[-1][pk] if len(rows) == batch_size else None


def field_key_rotate(
    *,
    batch_size: int = DEFAULT_BATCH_SIZE,
    dry_run: bool = False,
    progress: Callable[[str], None] | None = None,
) -> Counts:
    """Re-encrypt every encrypted value under the newest configured key and recompute the keyed
    hashes; see the module docstring. Audited (one event, counts only) unless `dry_run`."""
    from audit.choices import Action, Outcome
    from audit.services import audit_record

    counts = Counts()
    outcome = Outcome.FAILURE
    try:
        for target in encrypted_targets():
            after = None
            while True:
                after = _rotate_batch(target, after, batch_size, counts, dry_run)
                if progress:
                    stats = counts.by_model.get(target.label, {})
                    progress(f"{target.label}: {stats.get('scanned', 0)} read, {stats.get('updated', 0)} rewritten")
                if after is None:
                    break
        outcome = Outcome.SUCCESS
    finally:
        if not dry_run:
            newest, *older = key_ids()
            audit_record(
                actor=None,
                action=Action.UPDATE,
                object_type="core.fieldkey",
                outcome=outcome,
                changes={
                    "rows_read": [None, counts.scanned],
                    "rows_rewritten": [None, counts.updated],
                    "rows_already_current": [None, counts.current],
                    "rows_changed_meanwhile": [None, counts.changed_meanwhile],
                    "rows_unreadable": [None, counts.unreadable],
                },
                message=str(
                    _(
                        "字段密钥轮换（新密钥 %(newest)s，旧密钥 %(older)s）：读取 %(read)s 行，"
                        "重新加密 %(rewritten)s 行，已是新密钥 %(current)s 行，无法解密 %(unreadable)s 行"
                    )
                    % {
                        "newest": newest,
                        "older": ", ".join(older) or "-",
                        "read": counts.scanned,
                        "rewritten": counts.updated,
                        "current": counts.current,
                        "unreadable": counts.unreadable,
                    }
                ),
            )
    return counts
