from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Tell the recipients of directives past their deadline (once each)."

    def add_arguments(self, parser):
        parser.add_argument("--enqueue", action="store_true", help="queue it for the worker")
        parser.add_argument("--every", type=int, default=0, help="with --enqueue: every N min")

    def handle(self, *args, enqueue: bool, every: int, **opts):
        if enqueue:
            from fangkong.command.tasks import check_overdue_directives

            result = check_overdue_directives.enqueue(every_minutes=every)
            self.stdout.write(f"queued {result.id}")
            return
        from fangkong.command.services.directives import notify_overdue

        self.stdout.write(f"told={notify_overdue()}")
