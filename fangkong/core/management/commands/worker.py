from django.core.management import call_command
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Run a background worker on the database queue (run as many as you like)."

    def add_arguments(self, parser):
        parser.add_argument("--batch", action="store_true", help="exit when the queue is empty")
        parser.add_argument("--interval", type=float, default=1.0)

    def handle(self, *args, batch, interval, **opts):
        call_command("db_worker", queue_name="*", batch=batch, interval=interval)
