"""The test database from a template: migrated once for a given state of the code, then
copied.

Migrating an empty database costs about 20 s of CPU (Django re-renders the model states of
~100 migrations), and every pytest process paid it: each xdist worker of the SQLite and the
PostgreSQL stage, and the browser stage. Now the first process to create a test database
migrates it as before and keeps a copy; every later one, in the same run or the next, gets
an exact copy of that migrated database (schema, triggers, sequences and the rows the data
migrations wrote): SQLite's backup API into the in-memory test database, PostgreSQL's
``CREATE DATABASE ... TEMPLATE``. Nothing else about the test database changes: Django
still serializes it for ``serialized_rollback`` and creates the cache table afterwards.

The copy is keyed by a hash of everything that can change what the migrations produce:
fangkong's own files (migrations, and the data files and code they load), the migration
files of every installed app, and Django's version. Any change to them makes a new copy.

Where: ``FANGKONG_TEST_DB_CACHE`` (scripts/test-all.sh sets one per run), else
``<var dir>/test-db``. ``FANGKONG_TEST_DB_TEMPLATE=0`` turns it off (always migrate).
"""

from __future__ import annotations

import contextlib
import contextvars
import fcntl
import hashlib
import os
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import connections

_creating: contextvars.ContextVar[str | None] = contextvars.ContextVar("_creating", default=None)
_key_cache: dict[str, str] = {}


def enabled() -> bool:
    return os.environ.get("FANGKONG_TEST_DB_TEMPLATE", "1").strip().lower() not in ("0", "no")


def cache_dir() -> Path:
    path = Path(os.environ.get("FANGKONG_TEST_DB_CACHE") or Path(settings.VAR_DIR) / "test-db")
    path.mkdir(parents=True, exist_ok=True)
    return path


def _files_under(root: Path) -> Iterator[Path]:
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = sorted(d for d in dirnames if d != "__pycache__")
        for name in sorted(filenames):
            if not name.endswith((".pyc", ".mo")):
                yield Path(dirpath) / name


def template_key(vendor: str) -> str:
    """A hash of what the migrated database depends on (see the module's docstring)."""
    if vendor in _key_cache:
        return _key_cache[vendor]
    import django
    from django.apps import apps

    h = hashlib.sha256(f"{vendor} {django.get_version()}".encode())
    own = Path(settings.BASE_DIR) / "fangkong"
    roots = [own] + [
        Path(app.path) / "migrations"
        for app in apps.get_app_configs()
        if not Path(app.path).is_relative_to(own)
    ]
    for root in roots:
        for path in _files_under(root):
            h.update(str(path.relative_to(root.parent)).encode())
            h.update(path.read_bytes())
    _key_cache[vendor] = key = h.hexdigest()[:20]
    return key


@contextlib.contextmanager
def _locked(path: Path) -> Iterator[None]:
    """One process at a time builds or reads the template (xdist workers start together)."""
    with open(path, "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def _sqlite_restore(connection: Any, path: Path) -> bool:
    if not path.exists():
        return False
    connection.ensure_connection()
    source = sqlite3.connect(path)
    try:
        source.backup(connection.connection)
    finally:
        source.close()
    return True


def _holds_personal_data() -> bool:
    """Whether the migrations wrote a row of a model with encrypted fields: such a row is
    encrypted under this process's throwaway keyring, unreadable to the next, so no
    template is kept then (each process migrates, as before)."""
    from django.apps import apps

    from fangkong.core.pii import pii_fields

    return any(m._base_manager.exists() for m in apps.get_models() if pii_fields(m))


def _sqlite_save(connection: Any, path: Path) -> None:
    partial = path.with_suffix(f".{os.getpid()}.partial")
    target = sqlite3.connect(partial)
    try:
        connection.connection.backup(target)
    finally:
        target.close()
    os.replace(partial, path)
    for old in path.parent.glob("sqlite-*.sqlite3"):
        if old != path:
            old.unlink(missing_ok=True)


def _pg_name(key: str) -> str:
    return f"fk_test_tmpl_{key}"


def _pg_restore(connection: Any, key: str) -> bool:
    name, template = connection.settings_dict["NAME"], _pg_name(key)
    qn = connection.ops.quote_name
    connection.close()
    with connection._nodb_cursor() as cur:
        cur.execute("SELECT 1 FROM pg_database WHERE datname = %s", [template])
        if cur.fetchone() is None:
            return False
        cur.execute(f"DROP DATABASE IF EXISTS {qn(name)}")
        cur.execute(f"CREATE DATABASE {qn(name)} TEMPLATE {qn(template)}")
    return True


def _pg_save(connection: Any, key: str) -> None:
    name, template = connection.settings_dict["NAME"], _pg_name(key)
    qn = connection.ops.quote_name
    connection.close()  # a template may have no other session
    with connection._nodb_cursor() as cur:
        cur.execute(f"CREATE DATABASE {qn(template)} TEMPLATE {qn(name)}")
        cur.execute(
            "SELECT datname FROM pg_database WHERE datname LIKE 'fk_test_tmpl_%%' AND datname <> %s",
            [template],
        )
        for (old,) in cur.fetchall():
            with contextlib.suppress(Exception):  # in use by another run: left for later
                cur.execute(f"DROP DATABASE {qn(old)}")


def migrate_or_copy(migrate: Any, command: Any, *args: Any, **options: Any) -> Any:
    """In place of ``migrate`` while a test database is being created: copy the template
    when there is one, else migrate and keep the template."""
    alias = options.get("database") or "default"
    if _creating.get() != alias:
        return migrate(command, *args, **options)
    connection = connections[alias]
    vendor = connection.vendor
    if vendor not in ("sqlite", "postgresql"):
        return migrate(command, *args, **options)
    key = template_key(vendor)
    folder = cache_dir()
    with _locked(folder / f"{vendor}.lock"):
        if vendor == "sqlite":
            path = folder / f"sqlite-{key}.sqlite3"
            if _sqlite_restore(connection, path):
                return None
            result = migrate(command, *args, **options)
            if not _holds_personal_data():
                _sqlite_save(connection, path)
        else:
            if _pg_restore(connection, key):
                return None
            result = migrate(command, *args, **options)
            if not _holds_personal_data():
                _pg_save(connection, key)
    return result


def prebuild() -> None:
    """Creates (and drops) one test database so that the template exists before pytest
    starts: scripts/test-all.sh runs it beside the single-core lint and type-check stages."""
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "fangkong.settings")
    django.setup()
    install()
    from django.db import connection

    old_name = connection.settings_dict["NAME"]
    connection.creation.create_test_db(verbosity=0, autoclobber=True, serialize=False)
    connection.creation.destroy_test_db(old_name, verbosity=0)


def install() -> None:
    """Routes the test database creation's ``migrate`` through ``migrate_or_copy``."""
    from django.core.management.commands import migrate
    from django.db.backends.base.creation import BaseDatabaseCreation

    if not enabled() or getattr(BaseDatabaseCreation.create_test_db, "_from_template", False):
        return
    create_test_db = BaseDatabaseCreation.create_test_db
    handle = migrate.Command.handle

    def create_from_template(self: Any, *args: Any, **kwargs: Any) -> Any:
        token = _creating.set(self.connection.alias)
        try:
            return create_test_db(self, *args, **kwargs)
        finally:
            _creating.reset(token)

    def handle_from_template(self: Any, *args: Any, **options: Any) -> Any:
        return migrate_or_copy(handle, self, *args, **options)

    create_from_template._from_template = True  # type: ignore[attr-defined]
    BaseDatabaseCreation.create_test_db = create_from_template  # type: ignore[method-assign]
    migrate.Command.handle = handle_from_template  # type: ignore[method-assign]


if __name__ == "__main__":
    prebuild()
