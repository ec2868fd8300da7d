"""The processes of ``fangkong serve``, kept running: the web server and the task worker.

The web server is what users reach: when it stops, everything stops (its own exit status
is the command's). The worker is restarted whenever it exits, after a pause that doubles
with each quick failure (1 s, 2 s, 4 s ... at most 30 s) and starts again at 1 s once it
has run a minute; every exit and restart is logged. SIGTERM or Ctrl+C stops both: each is
asked to stop (SIGTERM), and killed if it has not within the grace period.
"""

from __future__ import annotations

import logging
import subprocess
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

logger = logging.getLogger("fangkong.serve")

BACKOFF = (1.0, 2.0, 4.0, 8.0, 16.0, 30.0)
HEALTHY_AFTER = 60.0  # seconds a restarted process must run for its failures to be forgotten


@dataclass
class Child:
    """One supervised process: ``restart`` (the worker) or not (the web server, whose end
    is everyone's)."""

    name: str
    argv: Sequence[str]
    restart: bool = False
    proc: Any = None
    started_at: float = 0.0
    failures: int = 0  # quick exits in a row, for the backoff
    restarts: int = 0
    restart_at: float | None = None  # when the planned restart is due
    exits: list[int] = field(default_factory=list)


class Supervisor:
    def __init__(
        self,
        children: Sequence[Child],
        *,
        backoff: Sequence[float] = BACKOFF,
        healthy_after: float = HEALTHY_AFTER,
        clock: Callable[[], float] = time.monotonic,
        popen: Callable[..., Any] = subprocess.Popen,
        grace: float = 10.0,
    ) -> None:
        self.children = list(children)
        self.backoff = tuple(backoff)
        self.healthy_after = healthy_after
        self.clock = clock
        self.popen = popen
        self.grace = grace
        self.stopping = threading.Event()
        self.exit_code = 0

    def _spawn(self, child: Child) -> None:
        child.proc = self.popen(list(child.argv))
        child.started_at = self.clock()
        child.restart_at = None

    def start(self) -> None:
        for child in self.children:
            self._spawn(child)

    def request_stop(self, *_args: Any) -> None:
        """For SIGTERM and SIGINT: ``run`` returns and every child is stopped."""
        self.stopping.set()

    def poll(self) -> bool:
        """One look at the children: restart a worker that is due, plan the restart of one
        that has exited. False when a process that is not restarted has exited (the web
        server): then everything must stop."""
        now = self.clock()
        for child in self.children:
            if self.stopping.is_set():
                return False
            if child.restart_at is not None:
                if now >= child.restart_at:
                    child.restarts += 1
                    logger.warning("restarting the %s (restart %d)", child.name, child.restarts)
                    self._spawn(child)
                continue
            code = child.proc.poll()
            if code is None:
                continue
            child.exits.append(code)
            if not child.restart:
                logger.error("the %s exited with status %s; stopping", child.name, code)
                self.exit_code = code or 1
                return False
            if now - child.started_at >= self.healthy_after:
                child.failures = 0
            delay = self.backoff[min(child.failures, len(self.backoff) - 1)]
            child.failures += 1
            child.restart_at = now + delay
            logger.warning(
                "the %s exited with status %s; restarting it in %g s", child.name, code, delay
            )
        return True

    def run(self, interval: float = 0.5) -> int:
        """Start the children and keep them running until a stop is requested or the web
        server exits; then stop them all. Returns the exit status for the command."""
        self.start()
        try:
            while self.poll():
                if self.stopping.wait(interval):
                    break
        finally:
            self.stop()
        return self.exit_code

    def stop(self) -> None:
        """Ask every running child to stop (SIGTERM), wait for them together, kill those
        still running after the grace period."""
        running = [c.proc for c in self.children if c.proc is not None and c.proc.poll() is None]
        for proc in running:
            proc.terminate()
        deadline = self.clock() + self.grace
        for proc in running:
            try:
                proc.wait(timeout=max(0.0, deadline - self.clock()))
            except subprocess.TimeoutExpired:
                logger.warning("process %s did not stop in time; killing it", proc.pid)
                proc.kill()
                proc.wait()
