"""Shared fixtures: a small county, one user per role, signed-in clients, and the access
checker every view and endpoint test uses (anonymous, wrong role, wrong area, permitted)."""

from __future__ import annotations

import contextlib
import importlib
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from django.test import Client
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings

from fangkong.core import pii
from fangkong.core.roles import Role
from tests import testdb
from tests.factories import PersonFactory, UserFactory, add_area

# The test database is copied from one migrated once, not migrated in every process.
testdb.install()

PASSWORD = "correct-horse-9"

# Property tests check behaviour, never speed: no per-example deadline and no "too slow"
# health check, which fail on a loaded 2-core CI machine for reasons unrelated to the code.
hypothesis_settings.register_profile(
    "fangkong", deadline=None, suppress_health_check=[HealthCheck.too_slow], print_blob=True
)
hypothesis_settings.load_profile("fangkong")


def pytest_collection_modifyitems(items):
    """A transactional test (races, the worker) empties every table with ``flush`` when it
    ends, the national rule sets the migrations loaded included, and a later test on the
    same worker would find no rule in force. So each one restores the migrated data when it
    starts (``serialized_rollback``), without having to remember to ask."""
    for item in items:
        marker = item.get_closest_marker("django_db")
        if marker is not None and marker.kwargs.get("transaction"):
            kwargs = {**marker.kwargs, "serialized_rollback": True}
            item.add_marker(pytest.mark.django_db(*marker.args, **kwargs), append=False)


@pytest.fixture(autouse=True, scope="session")
def _test_keyring():
    """A throwaway keyring: tests never touch a developer's var/pii_keys.json."""
    pii.set_keyring(pii.Keyring.generate())
    yield
    pii.set_keyring(None)


@pytest.fixture(autouse=True)
def _audit_log_flushable_on_sqlite(request, django_db_blocker):
    """Transactional tests (the worker, live-server browser tests, races) empty every table
    afterwards with ``flush``. On SQLite that is a DELETE, which the audit log's append-only
    trigger refuses (PostgreSQL flushes with TRUNCATE, which row triggers do not see). So on
    SQLite a transactional test runs without the DELETE trigger and every other test with
    it (created inside the test's transaction when missing)."""
    from django.db import connection

    if (
        connection.vendor != "sqlite"
        or not request.node.get_closest_marker("django_db")
        and ("db" not in request.fixturenames and "transactional_db" not in request.fixturenames)
    ):
        yield
        return
    marker = request.node.get_closest_marker("django_db")
    transactional = (
        "transactional_db" in request.fixturenames
        or "live_server" in request.fixturenames
        or bool(marker and marker.kwargs.get("transaction"))
    )
    request.getfixturevalue("django_db_setup")
    with django_db_blocker.unblock(), connection.cursor() as cur:
        cur.execute("SELECT 1 FROM sqlite_master WHERE type='trigger' AND name=%s", [_NO_DELETE])
        present = cur.fetchone() is not None
        if transactional and present:
            cur.execute(f"DROP TRIGGER {_NO_DELETE}")
        elif not transactional and not present:
            cur.execute(_no_delete_sql())
    yield


_NO_DELETE = "core_auditlog_no_delete"


def _no_delete_sql() -> str:
    migration = importlib.import_module("fangkong.core.migrations.0002_audit_append_only")
    return next(sql for sql in migration.SQLITE_FORWARD if _NO_DELETE in sql)


@pytest.fixture(autouse=True)
def _counts_follow_each_write(monkeypatch):
    """Cached counts (core/counts.py) live in process memory, outside the test's rolled-back
    transaction, and are retired after a commit that a test never makes: each test starts
    with an empty cache, and a change retires the counts at once."""
    from django.core.cache import cache

    from fangkong.core import counts

    cache.clear()
    monkeypatch.setattr(counts, "changed", counts._bump)


@pytest.fixture(autouse=True)
def _fresh_rate_limits():
    """On SQLite the rate-limit counts live in process memory, not in the test's rolled-back
    transaction: each test starts with none."""
    from django.core.cache import caches
    from django.core.cache.backends.locmem import LocMemCache

    cache = caches["ratelimit"]
    if isinstance(cache, LocMemCache):
        cache.clear()


@pytest.fixture(autouse=True)
def _english_by_default(settings):
    # Assertions on messages read in English unless a test asks for Chinese.
    settings.LANGUAGE_CODE = "en"


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    # The suite creates hundreds of users; PBKDF2's cost is not under test.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@dataclass
class County:
    county: object
    town_a: object  # 钟多街道
    town_b: object  # 龙潭镇
    village_a: object
    village_b: object


def make_county() -> County:
    c = add_area(None, "500242", "酉阳土家族苗族自治县", "county")
    a = add_area(c, "500242002", "钟多街道", "street")
    b = add_area(c, "500242101", "龙潭镇", "town")
    va = add_area(a, "500242002001", "桃花社区", "community")
    vb = add_area(b, "500242101001", "龙潭村", "village")
    return County(county=c, town_a=a, town_b=b, village_a=va, village_b=vb)


@pytest.fixture
def county(db) -> County:
    return make_county()


@contextlib.contextmanager
def kept_for_scope(django_db_blocker) -> Iterator[None]:
    """For a module- or class-scoped fixture that builds costly data once: the data is
    written in a transaction that every test's own (a savepoint) runs inside, and rolled
    back when the scope ends. Written in English, with the fast hasher, like a test's own
    data (the suite's settings fixtures are per test, and not yet active here)."""
    from django.db import transaction
    from django.test import override_settings
    from django.utils import translation

    fast = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    with (
        django_db_blocker.unblock(),
        override_settings(LANGUAGE_CODE="en", PASSWORD_HASHERS=fast),
        translation.override("en"),
        transaction.atomic(),
    ):
        yield
        transaction.set_rollback(True)


@pytest.fixture
def make_user(db):
    def make(role: str, *areas, **kw):
        return UserFactory(roles=[role], areas=list(areas), **kw)

    return make


@pytest.fixture
def users(county, make_user):
    """One user per role; operators in township A (village cadre in its village)."""
    return {
        "county": make_user(Role.COUNTY_COMMAND, county.county, username="county"),
        "township_a": make_user(Role.TOWNSHIP_OFFICER, county.town_a, username="town_a"),
        "township_b": make_user(Role.TOWNSHIP_OFFICER, county.town_b, username="town_b"),
        "village_a": make_user(Role.VILLAGE_CADRE, county.village_a, username="village_a"),
        "sampler_a": make_user(Role.SAMPLER, county.town_a, username="sampler_a"),
        "lab": make_user(Role.LAB_TECHNICIAN, county.county, username="lab"),
        "auditor": make_user(Role.AUDITOR, county.county, username="auditor"),
        "admin": make_user(Role.SYSTEM_ADMIN, county.county, username="admin"),
    }


@pytest.fixture
def login():
    def signed_in(user) -> Client:
        client = Client()
        client.force_login(user)
        return client

    return signed_in


@pytest.fixture
def person_a(county):
    return PersonFactory(area=county.village_a, name="张三")


@pytest.fixture
def person_b(county):
    return PersonFactory(area=county.village_b, name="李四")


@dataclass
class AccessCase:
    who: str
    expect: int


class AccessChecker:
    """Checks one URL against anonymous, wrong-role, wrong-area and permitted users.

    ``check(url, allowed=[...], denied_role=[...], other_area=[...])``: allowed users get 200
    (or ``ok``), users without the role 403, users of another area 404, anonymous a redirect
    to sign in (pages) or 401 (API)."""

    def __init__(self, users, login):
        self.users, self.login = users, login

    def check(
        self,
        url,
        *,
        allowed=(),
        denied_role=(),
        other_area=(),
        method="get",
        data=None,
        ok=200,
        api=False,
    ):
        results = {}
        anon = (
            getattr(Client(), method)(url, data=data, content_type="application/json")
            if api and method != "get"
            else getattr(Client(), method)(url, data=data)
        )
        results["anonymous"] = anon.status_code
        assert anon.status_code in ((401,) if api else (302, 401)), (url, "anonymous", anon)
        for group, expected in ((allowed, ok), (denied_role, 403), (other_area, 404)):
            for key in group:
                client = self.login(self.users[key])
                if api and method != "get":
                    resp = getattr(client, method)(url, data=data, content_type="application/json")
                else:
                    resp = getattr(client, method)(url, data=data)
                results[key] = resp.status_code
                assert resp.status_code == expected, (url, key, resp.status_code, expected)
        return results


@pytest.fixture
def access(users, login):
    return AccessChecker(users, login)
