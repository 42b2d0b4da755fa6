from importlib import import_module

from django.core.management.base import BaseCommand

from accounts.demo import DEMO_PASSWORD, seed_demo_users

# Each app that has demo records contributes one function; all are idempotent.
# The reports seeder runs last: it summarises what the others created.
# The generated province comes first: hand-entered demo rows (through the services) follow it, in
# places it leaves alone when they keep a ledger already.
DEMO_SEEDERS: list[str] = [
    "reports.demo.seed_demo_province",
    "ledgers.demo.seed_demo_ledgers",
    "reports.demo.seed_demo_summaries",
]
DEMO_SEEDERS.insert(-1, "community.demo.seed_demo_community")  # before the summaries
DEMO_SEEDERS.insert(-1, "petitions.demo.seed_demo_petitions")  # before the summaries


class Command(BaseCommand):
    help = "Create the demo users and a small demo data set (idempotent: a rerun adds nothing)."

    def handle(self, *args, **options):
        rows = seed_demo_users()
        for dotted in DEMO_SEEDERS:
            module, _, name = dotted.rpartition(".")
            message = getattr(import_module(module), name)()
            if message:
                self.stdout.write(message)
        self.stdout.write(
            self.style.SUCCESS(f"演示账号（密码均为 {DEMO_PASSWORD}）/ demo sign-ins (password {DEMO_PASSWORD}):")
        )
        for username, role, region in rows:
            self.stdout.write(f"  {username:<14} {role:<12} {region}")
