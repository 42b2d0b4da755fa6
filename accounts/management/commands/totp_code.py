"""Print a user's current TOTP code: for the demo (sign in as an administrator without a phone)
and for operators, who can read the key anyway. Refuses a user without a second factor."""

from django.core.management.base import BaseCommand, CommandError

from accounts.models import User
from accounts.totp import totp


class Command(BaseCommand):
    help = "Print the current six-digit TOTP code of a user who has enrolled a second factor."

    def add_arguments(self, parser):
        parser.add_argument("username")

    def handle(self, *args, username, **options):
        user = User.objects.filter(username=username).first()
        if user is None or not user.totp_secret:
            raise CommandError(f"{username}: no such user, or no second factor enrolled")
        self.stdout.write(totp(user.totp_secret))
