import datetime
from importlib import import_module

from django.core.management.base import BaseCommand, CommandError

from core.exceptions import ServiceError
from seeding.generators import seed_province


class Command(BaseCommand):
    help = (
        "Fill the database with a generated province at seed scale (scale 1.0: ~112,000 ledgers, 600,000 problems "
        "registered = 540,000 livelihood appeals + 60,000 stability matters, 300,000 households in difficulty, over "
        "the real villages of the Region table; run load_regions first; the dashboard then shows the source text's "
        "figures). Bulk load (COPY on PostgreSQL), deterministic for a seed and "
        "date. Generated rows are not user activity: no audit events are written. Refuses when the province already "
        "holds ledger data; --reset deletes ALL ledger data of the province first (meant for demo and benchmark "
        "databases). On PostgreSQL the summary change-log triggers are off during the load (inside its transaction), "
        "so the command ends with a full summary refresh (--no-refresh to skip it; then run one yourself)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--scale", type=float, default=1.0, help="1.0 = the source text's province; 0.01 for demos")
        parser.add_argument("--seed", type=int, default=42)
        parser.add_argument("--province", help="two-digit province code (default: settings.JICENG_PROVINCE_CODE)")
        parser.add_argument("--as-of", help="last day of the generated 24 months, YYYY-MM-DD (default: yesterday)")
        parser.add_argument("--reset", action="store_true", help="delete the province's ledger data first")
        parser.add_argument(
            "--sources",
            help="comma-separated generator keys (ledgers,pairings,support,community,petitions); default: all",
        )
        parser.add_argument("--no-refresh", action="store_true", help="do not run a full summary refresh afterwards")

    def handle(self, *args, scale, seed, province, as_of, reset, no_refresh, sources=None, **options):
        try:
            day = datetime.date.fromisoformat(as_of) if as_of else None
        except ValueError as exc:
            raise CommandError(f"--as-of: {exc}") from exc
        try:
            result = seed_province(
                scale=scale,
                seed=seed,
                province=province,
                reset=reset,
                as_of=day,
                log=self.stdout.write,
                sources=[s.strip() for s in sources.split(",") if s.strip()] if sources else None,
            )
        except ServiceError as exc:
            raise CommandError(" ".join(str(m) for m in exc.messages)) from exc
        rows = ", ".join(f"{name} {count:,}" for name, count in result.rows.items())
        self.stdout.write(
            self.style.SUCCESS(
                f"seed_province: scale {result.scale} seed {result.seed} over {result.places:,} villages and "
                f"townships of {result.province} in {result.seconds:.1f}s: {rows}"
            )
        )
        if no_refresh:
            if result.triggers_skipped:
                self.stdout.write(
                    self.style.WARNING(
                        "the summary change-log triggers were off during the load: run a full summary refresh "
                        "before reading dashboards"
                    )
                )
            return
        try:
            refresh = import_module("reports.services").summary_refresh_full
        except (ImportError, AttributeError):
            self.stdout.write("summaries: no refresh service yet, skipped")
            return
        run = refresh(actor=None)
        self.stdout.write(f"summaries: full refresh done ({run})")
