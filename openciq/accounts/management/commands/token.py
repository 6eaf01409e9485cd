from django.core.management.base import BaseCommand, CommandError


class Command(BaseCommand):
    help = "API tokens: `token create USERNAME [--name N]` prints a new token once; `token list USERNAME`."

    def add_arguments(self, parser):
        parser.add_argument("action", choices=["create", "list"])
        parser.add_argument("username")
        parser.add_argument("--name", default="command line")

    def handle(self, *args, action, username, name, **options):
        from openciq.accounts.models import User
        from openciq.accounts.selectors import token_list
        from openciq.accounts.services import token_create

        user = User.objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"no user {username!r}")
        if action == "list":
            for token in token_list(actor=user, user=user):
                state = "usable" if token.is_usable else "revoked/expired"
                self.stdout.write(f"{token.prefix}  {token.name}  {token.created_at:%Y-%m-%d %H:%M}  {state}")
            return
        # Whoever runs the console is trusted like the user: the token is issued as the user's own.
        _token, secret = token_create(actor=user, user=user, name=name)
        self.stdout.write(secret)
