from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Flag the stays whose centralized isolation ends today or tomorrow, or is overdue."

    def add_arguments(self, parser):
        parser.add_argument(
            "--enqueue", action="store_true", help="queue the task for the worker instead"
        )
        parser.add_argument(
            "--every", type=int, default=0, help="with --enqueue: repeat every N minutes"
        )

    def handle(self, *args, enqueue: bool, every: int, **opts):
        if enqueue:
            from fangkong.sites.tasks import flag_due_releases

            result = flag_due_releases.enqueue(every_minutes=every)
            self.stdout.write(f"queued {result.id}")
            return
        from fangkong.sites import services

        counts = services.flag_due_releases()
        self.stdout.write(" ".join(f"{k}={v}" for k, v in counts.items()))
