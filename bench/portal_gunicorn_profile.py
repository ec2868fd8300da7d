"""gunicorn settings for ``bench portal_profile --http --profile``: each worker's CPU split
into the time inside the WSGI application (Django: middleware, view, database) and the
rest (gunicorn: parsing, the thread pool, sockets), counted from the first request;
with FK_CPROFILE=1 also every thread under cProfile (the thread's CPU time). Written to
``$FK_PROFILE_DIR/<pid>.json`` / ``<pid>.prof`` when the worker exits. Not for deployment."""

import cProfile
import json
import os
import resource
import threading
import time

_profiles: list[cProfile.Profile] = []
_app = {"cpu": 0.0, "n": 0, "start": None}
_lock = threading.Lock()


def _cpu() -> float:
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def _start(frame, event, arg):  # the first event of a new thread: profile it from here on
    prof = cProfile.Profile(time.thread_time)  # CPU, not the wall time spent waiting
    _profiles.append(prof)
    prof.enable()


def post_fork(server, worker):
    if os.environ.get("FK_CPROFILE"):
        threading.setprofile(_start)
        _start(None, "", None)


def post_worker_init(worker):
    app = worker.wsgi

    def timed(environ, start_response):
        t = time.thread_time()
        with _lock:
            if _app["start"] is None:
                _app["start"] = _cpu()
        try:
            return app(environ, start_response)  # Django's answer is complete on return
        finally:
            took = time.thread_time() - t
            with _lock:
                _app["cpu"] += took
                _app["n"] += 1

    worker.wsgi = timed


def worker_exit(server, worker):
    import pstats

    out = os.environ["FK_PROFILE_DIR"]
    total = _cpu() - _app["start"] if _app["start"] is not None else 0.0
    with open(os.path.join(out, f"{os.getpid()}.json"), "w") as f:
        json.dump({"app_cpu": _app["cpu"], "n": _app["n"], "process_cpu": total}, f)
    for p in _profiles:
        p.disable()
    profiles = [p for p in _profiles if p.getstats()]
    if profiles:
        stats = pstats.Stats(profiles[0])
        for p in profiles[1:]:
            stats.add(p)
        stats.dump_stats(os.path.join(out, f"{os.getpid()}.prof"))
