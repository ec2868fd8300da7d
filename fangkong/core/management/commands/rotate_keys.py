from django.core.management.base import BaseCommand, CommandError

from fangkong.core.errors import DomainError
from fangkong.core.services.keys import rotate_keys


class Command(BaseCommand):
    help = "Re-encrypt all personal data under a new key (stop web servers and workers first)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--index-key",
            action="store_true",
            help="also replace the blind-index key and recompute the indexes",
        )

    def handle(self, *args, index_key, **opts):
        try:
            result = rotate_keys(rotate_index_key=index_key)
        except DomainError as exc:
            raise CommandError(str(exc.message)) from exc
        self.stdout.write(f"current key: {result['current']}")
        for label, n in result["rows"].items():
            self.stdout.write(f"  {label}: {n} rows re-encrypted")
