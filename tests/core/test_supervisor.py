"""`fangkong serve` keeps the web server up when the worker dies: the worker is restarted
after a growing pause, each exit logged; the web server's own end stops everything; SIGTERM
stops both cleanly."""

from __future__ import annotations

import logging
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
from django.core.management import call_command

from fangkong.core.management.commands import serve
from fangkong.core.supervisor import Child, Supervisor

ROOT = Path(__file__).resolve().parents[2]
SLEEPS = [sys.executable, "-c", "import time; time.sleep(300)"]
DIES = [sys.executable, "-c", "raise SystemExit(3)"]


class Clock:
    """The supervisor's clock, moved by hand: no test waits for a backoff to pass."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock():
    return Clock()


@pytest.fixture
def supervised(clock):
    made: list[Supervisor] = []

    def make(web_argv=SLEEPS, worker_argv=DIES):
        web, worker = Child("web server", web_argv), Child("worker", worker_argv, restart=True)
        sup = Supervisor([web, worker], clock=clock, grace=5)
        sup.start()
        made.append(sup)
        return sup, web, worker

    yield make
    for sup in made:
        sup.stop()


def exited(child: Child) -> int:
    return child.proc.wait(timeout=60)


def test_a_dying_worker_is_restarted_after_a_pause_and_the_web_server_keeps_running(
    supervised, clock, caplog
):
    sup, web, worker = supervised()
    web_pid, first_worker = web.proc.pid, worker.proc.pid
    assert exited(worker) == 3
    with caplog.at_level(logging.WARNING, logger="fangkong.serve"):
        assert sup.poll() is True  # the worker's end does not stop anything
        assert worker.proc.pid == first_worker and worker.restarts == 0  # not at once
        clock.now += 1
        assert sup.poll() is True
    assert worker.restarts == 1 and worker.proc.pid != first_worker
    assert web.proc.pid == web_pid and web.proc.poll() is None
    messages = [r.getMessage() for r in caplog.records]
    assert "the worker exited with status 3; restarting it in 1 s" in messages
    assert "restarting the worker (restart 1)" in messages


def test_the_pause_doubles_while_the_worker_keeps_dying_and_resets_once_it_ran_a_while(
    supervised, clock, caplog
):
    sup, _web, worker = supervised()
    delays = []
    with caplog.at_level(logging.WARNING, logger="fangkong.serve"):
        for _ in range(4):
            exited(worker)
            sup.poll()
            delays.append(worker.restart_at - clock.now)
            clock.now = worker.restart_at
            sup.poll()
        assert delays == [1, 2, 4, 8] and worker.restarts == 4
        exited(worker)
        clock.now += 61  # this one ran more than a minute before it died
        sup.poll()
    assert worker.restart_at - clock.now == 1


def test_the_web_servers_end_stops_the_worker_too(supervised, clock):
    sup, web, worker = supervised(web_argv=DIES, worker_argv=SLEEPS)
    exited(web)
    assert sup.poll() is False
    sup.stop()
    assert worker.proc.poll() is not None and worker.restarts == 0
    assert sup.exit_code == 3


SCRIPT = textwrap.dedent(
    """
    import signal, sys
    from fangkong.core.supervisor import Child, Supervisor
    record, web_pid = sys.argv[1], sys.argv[2]
    web = [sys.executable, "-c",
           f"import os, time; open({web_pid!r}, 'w').write(str(os.getpid())); time.sleep(300)"]
    worker = [sys.executable, "-c", f"open({record!r}, 'a').write('start ')"]
    sup = Supervisor([Child("web server", web), Child("worker", worker, restart=True)],
                     backoff=(0.05,), grace=5)
    signal.signal(signal.SIGTERM, sup.request_stop)
    signal.signal(signal.SIGINT, sup.request_stop)
    sys.exit(sup.run(interval=0.05))
    """
)


def wait_for(condition, what: str) -> None:
    deadline = time.monotonic() + 60
    while not condition():
        assert time.monotonic() < deadline, f"waited a minute for {what}"
        time.sleep(0.05)


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_as_a_process_it_restarts_the_worker_and_stops_both_on_a_signal(tmp_path, sig):
    record, web_pid = tmp_path / "worker-starts", tmp_path / "web.pid"
    proc = subprocess.Popen(  # noqa: S603 - our own interpreter
        [sys.executable, "-c", SCRIPT, str(record), str(web_pid)], cwd=ROOT
    )
    try:
        wait_for(lambda: record.exists() and record.read_text().count("start") >= 3,
                 "the worker to be restarted twice")  # fmt: skip
        wait_for(lambda: web_pid.exists() and web_pid.read_text(), "the web server to start")
        web = int(web_pid.read_text())
        assert alive(web) and proc.poll() is None  # the worker died thrice, the web is up
        proc.send_signal(sig)
        assert proc.wait(timeout=60) == 0
        wait_for(lambda: not alive(web), "the web server to be stopped")
    finally:
        if proc.poll() is None:
            proc.kill()


def test_serve_restarts_the_worker_but_not_the_web_server(monkeypatch):
    seen = {}

    class Recording(Supervisor):
        def run(self, interval: float = 0.5) -> int:
            seen["children"] = self.children
            return 0

    monkeypatch.setattr(serve, "Supervisor", Recording)
    monkeypatch.setattr(serve.signal, "signal", lambda sig, handler: seen.setdefault(sig, handler))
    call_command("serve", "--port", "8123", stdout=open(os.devnull, "w"))  # noqa: SIM115
    web, worker = seen["children"]
    assert "gunicorn" in web.argv[0] and not web.restart
    assert "worker" in worker.argv and worker.restart
    assert {signal.SIGTERM, signal.SIGINT} <= set(seen)
