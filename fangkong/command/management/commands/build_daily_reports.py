from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Build yesterday's daily report (疫情防控工作日报) for each county not built yet."

    def add_arguments(self, parser):
        parser.add_argument("--enqueue", action="store_true", help="queue it for the worker")
        parser.add_argument(
            "--repeat", action="store_true", help="with --enqueue: again every day at the hour"
        )

    def handle(self, *args, enqueue: bool, repeat: bool, **opts):
        if enqueue:
            from fangkong.command.tasks import build_daily_reports

            result = build_daily_reports.enqueue(repeat=repeat)
            self.stdout.write(f"queued {result.id}")
            return
        from fangkong.command.services.reports import build_due_reports

        for r in build_due_reports():
            self.stdout.write(f"{r.area} {r.day} v{r.version}")
