from django.db import migrations


def seed(apps, schema_editor):
    from core.calendar import seed_year

    WorkCalendarDay = apps.get_model("core", "WorkCalendarDay")
    for year in (2025, 2026):
        seed_year(year, model=WorkCalendarDay, notify=False)


class Migration(migrations.Migration):
    dependencies = [("core", "0001_work_calendar")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
