import datetime as dt

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand

from fangkong.core.services.tasks import requeue_orphans


class Command(BaseCommand):
    help = "Run a background worker on the database queue (run as many as you like)."

    def add_arguments(self, parser):
        parser.add_argument("--batch", action="store_true", help="exit when the queue is empty")
        parser.add_argument("--interval", type=float, default=1.0)
        parser.add_argument(
            "--orphans-after",
            type=float,
            default=settings.FANGKONG_TASK_ORPHAN_MINUTES,
            metavar="MINUTES",
            help="at start, queue again the tasks 'running' for longer than this: their "
            "worker is gone (0 when this is the only worker)",
        )

    def handle(self, *args, batch, interval, orphans_after, **opts):
        again = requeue_orphans(older_than=dt.timedelta(minutes=orphans_after))
        if again:
            self.stdout.write(f"{len(again)} orphaned task(s) queued again")
        call_command("db_worker", queue_name="*", batch=batch, interval=interval)
