from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = (
        "Close the home phases due today whose person reported today, well, with no test "
        "pending (the others go onto the review list); and make today's door-to-door test tasks."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--enqueue",
            action="store_true",
            help="queue both as daily tasks for the worker (22:00 close, 06:00 tests)",
        )

    def handle(self, *args, enqueue: bool, **opts):
        if enqueue:
            from fangkong.home_isolation.tasks import close_home_phases, schedule_home_tests

            a = close_home_phases.enqueue(repeat=True)
            b = schedule_home_tests.enqueue(repeat=True)
            self.stdout.write(f"queued {a.id} {b.id}")
            return
        from django.utils import timezone

        from fangkong.home_isolation import services

        result = services.close_due_phases(timezone.localdate())
        tests = services.schedule_home_tests(timezone.localdate())
        self.stdout.write(f"closed={result.closed} to_review={result.to_review} tests={tests}")
