"""Fill the working-day calendar for some years from the chinesecalendar package (idempotent)."""

from django.core.management.base import BaseCommand, CommandError

from core.calendar import seed_year


class Command(BaseCommand):
    help = "Load the official holidays and make-up workdays of the given years (default 2025 2026)."

    def add_arguments(self, parser):
        parser.add_argument("years", nargs="*", type=int, default=[2025, 2026])
        parser.add_argument("--replace", action="store_true", help="overwrite an administrator's edits")

    def handle(self, *args, years, replace, **options):
        for year in years:
            try:
                written = seed_year(year, replace=replace)
            except ValueError:
                raise CommandError(f"{year}: no official data in chinesecalendar; enter the year in the admin")
            self.stdout.write(f"{year}: {written} days written")
