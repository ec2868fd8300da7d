import time

from django.core.management.base import BaseCommand

from fangkong.areas.services import ensure_county
from fangkong.arrivals.demo import load_demo_arrivals
from fangkong.cases.demo import load_demo_cases
from fangkong.command.demo import load_demo_command
from fangkong.control.demo import load_demo_control
from fangkong.core.demo import DEMO_USERS, ensure_demo_users
from fangkong.home_isolation.demo import load_demo_home
from fangkong.logistics.demo import load_demo_logistics
from fangkong.people.models import Person
from fangkong.people.synthetic import populate
from fangkong.sites.demo import load_demo_sites
from fangkong.testing.demo import load_demo_testing
from fangkong.transfers.demo import load_demo_transfers
from fangkong.workforce.demo import load_demo_workforce


class Command(BaseCommand):
    help = (
        "Load the demo county: the grid of Youyang (39 township units, ~270 villages, 8 "
        "communities, groups, estates, buildings), its leaders and coordinators, households "
        "and persons, one user per role, isolation sites with people in their rooms, a "
        "screening round with results in 钟多街道 and home isolation in its first community, "
        "so that every role's home has work to show. Deterministic for a seed; safe to run again."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--population",
            type=int,
            default=5000,
            help="persons to generate when the county has none (default 5000; 850000 is "
            "the full county)",
        )
        parser.add_argument("--seed", type=int, default=1, help="random seed (deterministic)")
        parser.add_argument(
            "--quiet-logins", action="store_true", help="do not print the demo logins"
        )

    def handle(self, *args, population, seed, quiet_logins, **opts):
        started = time.monotonic()
        ensure_county()
        if not Person.objects.exists() and population > 0:
            n = populate(population, seed=seed, stdout=self.stdout)
            self.stdout.write(
                f"demo: {n} persons generated (seed {seed}) in {time.monotonic() - started:.0f}s"
            )
        else:
            self.stdout.write("demo: county already loaded, reusing it")
        logins = ensure_demo_users()
        if Person.objects.exists():  # operations need people to act on
            load_demo_sites(stdout=self.stdout)
            load_demo_testing(stdout=self.stdout)
            load_demo_control(stdout=self.stdout)
            load_demo_cases(stdout=self.stdout)
            load_demo_workforce(stdout=self.stdout)
            load_demo_logistics(stdout=self.stdout)
            load_demo_arrivals(stdout=self.stdout)
            load_demo_home(stdout=self.stdout)
            load_demo_transfers(stdout=self.stdout)
            load_demo_command(stdout=self.stdout)
        if not quiet_logins:
            self.stdout.write("demo logins (username / password / role):")
            for username, role, _where in DEMO_USERS:
                self.stdout.write(f"  {username:<11} {logins[username]:<16} {role.label}")
