"""Make a personal API token for a user from the command line (the first token of a machine
that has no session to make one with). Prints the key once; only its hash is kept."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from errata.api.tokens import api_token_create
from errata.models import User


class Command(BaseCommand):
    help = "Create a personal API token for USERNAME and print its key (shown this once)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("username")
        parser.add_argument("--name", default="command line", help="What uses the token.")

    def handle(self, *args, username: str, name: str, **options) -> None:
        user = User.objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"No user {username!r}.")
        try:
            made = api_token_create(user=user, name=name)
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from None
        self.stderr.write(f"Token {made.token.prefix}… for {username}; the key is shown this once:")
        self.stdout.write(made.key)
