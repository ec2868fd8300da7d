"""The shape of a scheduled job's command: run it once now, or queue its task for the
worker (``--enqueue``), repeating every N minutes (``--every``)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand
from django.utils.module_loading import import_string


class PeriodicTaskCommand(BaseCommand):
    task_path = ""  # the django-tasks task, taking ``every_minutes``

    def run_now(self) -> str:
        """Do the job once, here; what to print."""
        raise NotImplementedError

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument(
            "--enqueue", action="store_true", help="queue the task for the worker instead"
        )
        parser.add_argument(
            "--every", type=int, default=0, help="with --enqueue: repeat every N minutes"
        )

    def handle(self, *args: Any, enqueue: bool, every: int, **opts: Any) -> None:
        if enqueue:
            result = import_string(self.task_path).enqueue(every_minutes=every)
            self.stdout.write(f"queued {result.id}")
            return
        self.stdout.write(self.run_now())
