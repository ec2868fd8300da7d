"""Run the web server and the task worker together (the embedded default), kept running by
``core.supervisor``: the worker is restarted when it dies, the web server stays up."""

import os
import signal
import sys

from django.conf import settings
from django.core.management.base import BaseCommand

from fangkong.core.demo import DEMO_USERS, load_logins
from fangkong.core.supervisor import Child, Supervisor


class Command(BaseCommand):
    help = (
        "Start the web server (gunicorn) and the background worker; a worker that dies is "
        "restarted; stop both on Ctrl+C or SIGTERM."
    )

    def add_arguments(self, parser):
        parser.add_argument("--host", default=os.environ.get("FANGKONG_HOST", "127.0.0.1"))
        parser.add_argument("--port", type=int, default=int(os.environ.get("FANGKONG_PORT", 8000)))
        parser.add_argument("--web-workers", type=int, default=2)
        parser.add_argument("--no-worker", action="store_true")

    def handle(self, *args, host, port, web_workers, no_worker, **opts):
        bindir = os.path.dirname(sys.executable)
        web = Child(
            "web server",
            [
                os.path.join(bindir, "gunicorn"),
                "fangkong.wsgi:application",
                "--bind",
                f"{host}:{port}",
                "--workers",
                str(web_workers),
                "--threads",
                "4",
                "--access-logfile",
                "-",
                "--graceful-timeout",
                "5",
            ],
        )
        worker = Child(
            "worker",
            [
                sys.executable,
                "-m",
                "fangkong.cli",
                "worker",
                "--interval",
                "1",
                # the only worker: whatever is "running" was left by the last one
                "--orphans-after",
                "0",
            ],
            restart=True,  # a worker that dies is started again; the web server stays up
        )
        supervisor = Supervisor([web] if no_worker else [web, worker])
        url = f"http://{host if host != '0.0.0.0' else '127.0.0.1'}:{port}/"  # noqa: S104
        self.stdout.write(self.style.SUCCESS(f"\nfangkong is running at {url}"))
        logins = load_logins()
        if logins:
            self.stdout.write("demo logins (username / password):")
            for username, role, _where in DEMO_USERS:
                if username in logins:
                    self.stdout.write(f"  {username:<11} {logins[username]:<16} {role.label}")
        if not settings.FANGKONG_REQUIRE_2FA:
            self.stdout.write(
                "note: two-factor sign-in is NOT required in this embedded demo "
                "(set FANGKONG_REQUIRE_2FA=1 or FANGKONG_PRODUCTION=1 to require it "
                "for county command and system admins)."
            )
        self.stdout.write("Ctrl+C stops the server and the worker.\n")
        signal.signal(signal.SIGINT, supervisor.request_stop)
        signal.signal(signal.SIGTERM, supervisor.request_stop)
        code = supervisor.run()
        if code:
            raise SystemExit(code)
