from django.db import migrations

from petitions.choices import DEFAULT_CATEGORIES


def create_categories(apps, schema_editor):
    PetitionCategory = apps.get_model("petitions", "PetitionCategory")
    for order, (code, name) in enumerate(DEFAULT_CATEGORIES, start=1):
        PetitionCategory.objects.get_or_create(code=code, defaults={"name": name, "sort_order": order})


class Migration(migrations.Migration):
    dependencies = [("petitions", "0001_initial")]
    operations = [migrations.RunPython(create_categories, migrations.RunPython.noop)]
