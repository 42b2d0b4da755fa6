"""The summaries become UNLOGGED on PostgreSQL, with a seal that says a generation's rows are all
there (see reports.models). Existing summaries keep showing: the active generation is sealed when
it has rows."""

from django.db import migrations, models

UNLOGGED = ("reports_summary", "reports_summaryseal")


def seal_and_unlog(apps, schema_editor):
    SummaryState = apps.get_model("reports", "SummaryState")
    Summary = apps.get_model("reports", "Summary")
    SummarySeal = apps.get_model("reports", "SummarySeal")
    state = SummaryState.objects.filter(pk=1).first()
    if state is not None and state.active_generation is not None:
        if Summary.objects.filter(generation=state.active_generation).exists():
            SummarySeal.objects.get_or_create(generation=state.active_generation)
    if schema_editor.connection.vendor == "postgresql":
        for table in UNLOGGED:
            schema_editor.execute(f"ALTER TABLE {table} SET UNLOGGED")


def relog(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for table in UNLOGGED:
            schema_editor.execute(f"ALTER TABLE {table} SET LOGGED")


class Migration(migrations.Migration):
    dependencies = [("reports", "0002_summary_fillfactor")]

    operations = [
        migrations.CreateModel(
            name="SummarySeal",
            fields=[
                ("generation", models.PositiveBigIntegerField(primary_key=True, serialize=False, verbose_name="数据版本")),
            ],
            options={"verbose_name": "汇总封记", "verbose_name_plural": "汇总封记"},
        ),
        migrations.RunPython(seal_and_unlog, relog),
    ]
