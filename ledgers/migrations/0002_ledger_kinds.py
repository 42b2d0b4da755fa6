from django.db import migrations

KINDS = [
    ("livelihood", "民生诉求", "Livelihood appeals", 1),
    ("hardship", "困难群众", "People in difficulty", 2),
    ("stability", "稳定工作", "Stability work", 3),
]


def create_kinds(apps, schema_editor):
    LedgerKind = apps.get_model("ledgers", "LedgerKind")
    for code, name, name_en, order in KINDS:
        LedgerKind.objects.update_or_create(code=code, defaults={"name": name, "name_en": name_en, "sort_order": order})


class Migration(migrations.Migration):
    dependencies = [("ledgers", "0001_initial")]
    operations = [migrations.RunPython(create_kinds, migrations.RunPython.noop)]
