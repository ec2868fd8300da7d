from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Delete the files of background exports past their time, and stray export files."

    def add_arguments(self, parser):
        parser.add_argument(
            "--enqueue", action="store_true", help="queue the task for the worker instead"
        )
        parser.add_argument(
            "--every", type=int, default=0, help="with --enqueue: repeat every N minutes"
        )

    def handle(self, *args, enqueue: bool, every: int, **opts):
        if enqueue:
            from fangkong.core.tasks import purge_exports

            result = purge_exports.enqueue(every_minutes=every)
            self.stdout.write(f"queued {result.id}")
            return
        from fangkong.core.services.exports import purge_exports as purge

        self.stdout.write(f"expired={purge()}")
