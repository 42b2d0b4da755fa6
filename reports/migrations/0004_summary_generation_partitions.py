"""PostgreSQL: the summaries become a table partitioned by generation, each generation its own
unlogged table (`reports_summary_g<N>`) with a unique index on (region_code, period, metric) only.

A full refresh creates and fills the new generation's table, indexes it and attaches it in its
transaction; the prune detaches and drops old ones. Generations kept as rows of one table left
dead rows and a unique index 2.7x bloated after each full refresh, which the next folds paid for.
The parent keeps the columns (the ORM reads it, partition pruning on `generation` picks the one
table); it has no primary key (a partitioned table's key must contain `generation`; nothing looks
a summary row up by id). The active generation's rows move over; SQLite keeps the plain table.
"""

from django.db import migrations

OLD = "reports_summary_unpartitioned"


def partition(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    execute = schema_editor.execute
    execute(f"ALTER TABLE reports_summary RENAME TO {OLD}")
    execute("CREATE SEQUENCE reports_summary_row_id_seq")
    execute(
        f"CREATE TABLE reports_summary (LIKE {OLD} INCLUDING CONSTRAINTS) PARTITION BY LIST (generation)"
    )
    execute("ALTER TABLE reports_summary ALTER COLUMN id SET DEFAULT nextval('reports_summary_row_id_seq')")
    execute("ALTER SEQUENCE reports_summary_row_id_seq OWNED BY reports_summary.id")
    with schema_editor.connection.cursor() as cursor:
        cursor.execute("SELECT active_generation FROM reports_summarystate WHERE id = 1")
        row = cursor.fetchone()
    generation = row[0] if row else None
    if generation is not None:
        table = f"reports_summary_g{int(generation)}"
        execute(
            f"CREATE UNLOGGED TABLE {table} (LIKE reports_summary INCLUDING DEFAULTS INCLUDING CONSTRAINTS, "
            f"CONSTRAINT {table}_generation CHECK (generation = {int(generation)})) WITH (fillfactor = 80)"
        )
        execute(
            f"INSERT INTO {table} (generation, region_code, period, metric, value) "
            f"SELECT generation, region_code, period, metric, value FROM {OLD} WHERE generation = %s",
            [generation],
        )
        execute(f"CREATE UNIQUE INDEX {table}_key ON {table} (region_code, period, metric)")
        execute(f"ALTER TABLE reports_summary ATTACH PARTITION {table} FOR VALUES IN ({int(generation)})")
    execute(f"DROP TABLE {OLD}")


def unpartition(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    execute = schema_editor.execute
    execute(f"CREATE UNLOGGED TABLE {OLD} (LIKE reports_summary INCLUDING CONSTRAINTS) WITH (fillfactor = 80)")
    execute(f"INSERT INTO {OLD} SELECT * FROM reports_summary")
    execute("DROP TABLE reports_summary CASCADE")
    execute(f"ALTER TABLE {OLD} RENAME TO reports_summary")
    execute("CREATE SEQUENCE IF NOT EXISTS reports_summary_id_seq OWNED BY reports_summary.id")
    execute("SELECT setval('reports_summary_id_seq', COALESCE((SELECT max(id) FROM reports_summary), 0) + 1)")
    execute("ALTER TABLE reports_summary ALTER COLUMN id SET DEFAULT nextval('reports_summary_id_seq')")
    execute("ALTER TABLE reports_summary ADD PRIMARY KEY (id)")
    execute(
        "ALTER TABLE reports_summary ADD CONSTRAINT summary_unique_key UNIQUE (generation, region_code, period, metric)"
    )


class Migration(migrations.Migration):
    atomic = True
    dependencies = [("reports", "0003_summary_seal_unlogged")]

    operations = [migrations.RunPython(partition, unpartition)]
