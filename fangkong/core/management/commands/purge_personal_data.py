from django.core.management.base import BaseCommand

from fangkong.people.retention import purge_expired


class Command(BaseCommand):
    help = "Anonymise personal data past its retention period (FANGKONG_RETENTION_DAYS)."

    def add_arguments(self, parser):
        parser.add_argument("--days", type=int, default=None)

    def handle(self, *args, days, **opts):
        n = purge_expired(days=days)
        self.stdout.write(f"{n} persons anonymised")
