from django.core.management.base import BaseCommand, CommandError

from core.crypto import development_key_in_use, key_ids
from core.keyrotation import DEFAULT_BATCH_SIZE, field_key_rotate


class Command(BaseCommand):
    help = (
        "Re-encrypt every encrypted column (and recompute the keyed search hashes) under the newest "
        "field key, the first of JICENG_FIELD_KEYS. Batched, resumable (rows already on the newest key "
        "are skipped), audited. See README, 'Rotating the field key'."
    )

    def add_arguments(self, parser):
        parser.add_argument("--batch-size", type=int, default=DEFAULT_BATCH_SIZE)
        parser.add_argument("--dry-run", action="store_true", help="count what would be rewritten, write nothing")

    def handle(self, *args, batch_size, dry_run, verbosity, **options):
        if batch_size < 1:
            raise CommandError("--batch-size must be at least 1")
        newest, *older = key_ids()
        if development_key_in_use():
            self.stderr.write(
                "Warning: no JICENG_FIELD_KEY(S) configured; the development key derived from SECRET_KEY is used."
            )
        self.stdout.write(f"newest key {newest}; older keys: {', '.join(older) or 'none'}")
        progress = self.stdout.write if verbosity > 1 else None
        counts = field_key_rotate(batch_size=batch_size, dry_run=dry_run, progress=progress)
        for label, stats in counts.by_model.items():
            self.stdout.write(
                f"  {label}: {stats['scanned']} read, {stats['updated']} {'to rewrite' if dry_run else 'rewritten'}, "
                f"{stats['current']} already current, {stats['changed_meanwhile']} changed meanwhile, "
                f"{stats['unreadable']} unreadable"
            )
        self.stdout.write(
            f"{counts.scanned} rows read, {counts.updated} {'to rewrite' if dry_run else 'rewritten'}, "
            f"{counts.current} already current, {counts.unreadable} unreadable"
        )
        if counts.unreadable:
            raise CommandError(
                f"{counts.unreadable} rows cannot be decrypted with any configured key: keep every old key "
                "configured until they are found and fixed."
            )
        if counts.changed_meanwhile:
            self.stdout.write("Some rows changed during the run: run the command again to check them.")
