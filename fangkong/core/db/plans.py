"""Which statements PostgreSQL may keep a plan for (prepared statements, on PostgreSQL only).

With server-side binding psycopg prepares a statement once it has run ``prepare_threshold``
times on a connection, and after five runs PostgreSQL may swap the plans it made for each
run's values for one generic plan made without them. For a statement whose best plan
depends on its values that plan can be ruinous: a county user's ``area_id IN (SELECT id
FROM areas WHERE path LIKE $1)`` is planned as if ``$1`` matched 0.5% of the areas, and the
duplicates page read all 850,000 persons on its sixth run (0.03 s became 0.8 s; see
bench/README.md, "The county under load over HTTP", PostgreSQL). Forcing a plan per run
for every statement instead doubled the database's work in a release (the hot paths'
multi-table joins are planned in a millisecond and run in a fraction of one).

So a statement is prepared only where the code says its plan does not depend on its
values: ``core.db.statements`` marks its statements (the hot paths' look-ups and updates
by primary key) with ``prepared()``; every other statement (the ORM's scoped reads) is
planned for its values each time, as with client-side binding.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from contextvars import ContextVar

PREPARED: ContextVar[bool] = ContextVar("fangkong_db_prepared", default=False)


@contextlib.contextmanager
def prepared() -> Iterator[None]:
    """Statements run inside may be prepared (their plan does not depend on their values)."""
    token = PREPARED.set(True)
    try:
        yield
    finally:
        PREPARED.reset(token)
