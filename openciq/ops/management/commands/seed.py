import random

from django.core.management.base import BaseCommand, CommandError

from openciq.core.registry import registry


class Command(BaseCommand):
    help = "Make demo or bureau-scale data; every app contributes a seeder. Idempotent."

    def add_arguments(self, parser):
        parser.add_argument("--scale", choices=["demo", "bureau"], default="demo")
        parser.add_argument("--seed", type=int, default=2011, help="random seed (same seed, same data)")
        parser.add_argument("--only", nargs="*", help="run only these seeders")

    def handle(self, *args, scale, seed, only, **options):
        from openciq.accounts.services import system_actor

        actor = system_actor()
        seeders = sorted(registry.seeders.values(), key=lambda s: s.order)
        unknown = set(only or ()) - {s.key for s in seeders}
        if unknown:
            raise CommandError(f"unknown seeders: {', '.join(sorted(unknown))}")
        for seeder in seeders:
            if only and seeder.key not in only:
                continue
            # Each seeder gets its own generator so adding one app does not change another's data.
            seeder.run(scale=scale, rng=random.Random(f"{seed}:{seeder.key}"), actor=actor)
            self.stdout.write(f"seeded {seeder.key} ({scale})")
