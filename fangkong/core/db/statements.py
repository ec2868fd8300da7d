"""Statements: run hand-written SQL, and hot-path SQL without rebuilding it each call.

- ``execute`` / ``query`` / ``query_one``: one statement with bound parameters (the
  only place, with the rest of ``core.db``, where code opens a cursor);
- ``statement(key, build)``: a statement text built once per database vendor (an app's
  ``sql.py`` builds its statements from the models' table names through it);
- ``fetch``: a queryset compiled once per shape and connection, then only re-bound (its
  look-up values: primary keys, or strings such as a blind index or an address);
- ``update`` / ``update_sql``: an UPDATE by primary keys from a cached statement, with
  conditions (``=``, ``>=``, ``in``: a state machine's ``sources(target)``) and, on
  PostgreSQL, another data-modifying statement run in the same round trip.

Django builds and compiles every queryset afresh; for the few statements that check-in and
release run hundreds of times a second, that work (not the database) was most of their
time. Everything here runs through ``connection.cursor()``, so query logging,
``execute_wrapper`` and transactions see these statements as any ORM query. On PostgreSQL
these statements (and only these) are prepared after a couple of runs on a connection
(``core.db.plans``): their plans do not depend on their values.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from django.db import DEFAULT_DB_ALIAS, connection, connections, models
from django.db.models.query import ModelIterable, QuerySet, get_related_populators  # type: ignore[attr-defined]

from fangkong.core.db.plans import prepared

_BUILT: dict[tuple[str, str], Any] = {}


def statement(key: str, build: Callable[[], Any]) -> Any:
    """``build()`` once per database vendor and ``key``: statement texts made from the
    models' table names (an app's ``sql.py``), not rebuilt on every call."""
    k = (connection.vendor, key)
    got = _BUILT.get(k)
    if got is None:
        got = _BUILT[k] = build()
    return got


def execute(sql: str, params: Sequence[Any] = (), *, using: str = DEFAULT_DB_ALIAS) -> int:
    """Run one statement; the number of rows it changed."""
    with prepared(), connections[using].cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.rowcount


def query(sql: str, params: Sequence[Any] = (), *, using: str = DEFAULT_DB_ALIAS) -> list[tuple]:
    """Run one statement; all its rows."""
    with prepared(), connections[using].cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def query_one(
    sql: str, params: Sequence[Any] = (), *, using: str = DEFAULT_DB_ALIAS
) -> tuple | None:
    """Run one statement; its first row (None when there is none)."""
    with prepared(), connections[using].cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchone()


# Stand-ins bound when a queryset is compiled: each compiled parameter equal to one of them
# is replaced by the matching value at run time; every other parameter is a constant of
# the query (a status literal, ...). Integers for integer look-ups, strings no real value
# holds (a NUL inside) for text ones.
_SENTINEL_BASE = -7_340_000_000_000


FETCH_CACHED_UP_TO = 64


def _sentinels(kind: type, n: int) -> list[Any]:
    if kind is str:
        return [f"\x00fangkong-lookup-{i}\x00" for i in range(n)]
    return [_SENTINEL_BASE - i for i in range(n)]


def _cache(conn: Any) -> dict:
    # One cache per connection object (they are per thread): a compiler holds its connection.
    cache = conn.__dict__.get("_fangkong_statements")
    if cache is None:
        cache = conn.__dict__["_fangkong_statements"] = {}
    return cache


M = TypeVar("M", bound=models.Model)


def fetch(
    key: str,
    make: Callable[[list[Any]], QuerySet[M]],
    looked_up: Sequence[int] | Sequence[str],
    *,
    using: str = DEFAULT_DB_ALIAS,
) -> list[M]:
    """``list(make(looked_up))``, with ``make``'s SQL compiled once per ``key``, number and
    kind of values. ``looked_up`` are distinct integers (primary keys) or distinct strings;
    ``make`` must use them only as lookup values (``pk__in=values``,
    ``address__in=values``, ...) and may not depend on anything else that changes between
    calls (no dates, no user)."""
    values: list[Any] = list(looked_up)
    if not values or len(values) > FETCH_CACHED_UP_TO:
        # none: the queryset knows it matches nothing (it cannot be compiled); a long
        # list's compile is small beside its rows, and caching every length would grow the
        # connection's cache with each batch size
        return list(make(values))
    kind = str if isinstance(values[0], str) else int
    conn = connections[using]
    cache = _cache(conn)
    entry = cache.get((key, kind, len(values)))
    if entry is None:
        entry = cache[(key, kind, len(values))] = _compile(make, kind, len(values), using)
    if entry is False:  # not cacheable: run it as it is
        return list(make(values))
    compiler, sql, slots = entry
    params = [values[s] if isinstance(s, int) else s[0] for s in slots]
    with prepared(), conn.cursor() as cursor:
        # on PostgreSQL psycopg prepares it after a couple of runs (server-side binding)
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    if compiler.col_count and compiler.has_extra_select:
        rows = [r[: compiler.col_count] for r in rows]
    select, klass_info, annotation_col_map = (
        compiler.select,
        compiler.klass_info,
        compiler.annotation_col_map,
    )
    model_cls = klass_info["model"]
    select_fields = klass_info["select_fields"]
    start, end = select_fields[0], select_fields[-1] + 1
    init_list = [f[0].target.attname for f in select[start:end]]
    related_populators = get_related_populators(klass_info, select, using)
    out: list[M] = []
    for row in compiler.results_iter([rows]):
        obj = model_cls.from_db(using, init_list, row[start:end])
        for populator in related_populators:
            populator.populate(row, obj)
        for attr, pos in annotation_col_map.items():
            setattr(obj, attr, row[pos])
        out.append(obj)
    return out


def insert(obj: models.Model, *, pk: bool = False, using: str = DEFAULT_DB_ALIAS) -> None:
    """Insert ``obj`` with a statement built once per model and connection: for a row
    written on a hot path, where ``save()``'s per-call compile costs more than the database
    does. Its primary key is left to the database, and read back (``RETURNING``, which
    both databases have) when ``pk``."""
    conn = connections[using]
    model = type(obj)
    cache = _cache(conn)
    entry = cache.get(("insert", model, pk))
    if entry is None:
        qn = conn.ops.quote_name
        fields = [
            f
            for f in model._meta.concrete_fields
            if not f.generated and not isinstance(f, models.AutoField)
        ]
        cols = ", ".join(qn(f.column) for f in fields)
        sql = f"INSERT INTO {qn(model._meta.db_table)} ({cols}) VALUES ({', '.join(['%s'] * len(fields))})"  # noqa: S608
        if pk:
            sql += f" RETURNING {qn(model._meta.pk.column)}"
        entry = cache[("insert", model, pk)] = (sql, fields)
    sql, fields = entry
    params = [f.get_db_prep_save(f.pre_save(obj, True), conn) for f in fields]
    with prepared(), conn.cursor() as cursor:
        cursor.execute(sql, params)
        if pk:
            obj.pk = cursor.fetchone()[0]
    obj._state.adding = False
    obj._state.db = using


def _compile(make: Callable[[list[Any]], QuerySet], kind: type, n: int, using: str) -> Any:
    sentinels = _sentinels(kind, n)
    qs = make(sentinels)
    if (
        qs._prefetch_related_lookups  # type: ignore[attr-defined]
        or qs._known_related_objects  # type: ignore[attr-defined]
        or qs._iterable_class is not ModelIterable
    ):
        return False
    compiler = qs.query.get_compiler(using=using)
    sql, params = compiler.as_sql()
    index = {s: i for i, s in enumerate(sentinels)}
    slots: list[Any] = [index[p] if type(p) is kind and p in index else (p,) for p in params]
    if sorted(s for s in slots if isinstance(s, int)) != sorted(set(range(n))) and n:
        return False  # a value was changed or dropped on the way: do not guess
    return compiler, sql, slots


def update_sql(
    model: type[models.Model],
    pks: Sequence[int],
    values: dict[str, Any],
    *,
    where: Sequence[tuple[str, str, Any]] = (),
    extra_where: str = "",
    returning: bool = False,
    using: str = DEFAULT_DB_ALIAS,
) -> tuple[str, list[Any]]:
    """The SQL and parameters of ``update`` (to run it inside another statement)."""
    conn = connections[using]
    pks = list(pks)
    names = tuple(values)
    shape = tuple((f, op, len(v) if op == "in" else 1) for f, op, v in where)
    key = ("update", model, names, shape, extra_where, len(pks))
    key += (returning,)  # type: ignore[assignment]
    cache = _cache(conn)
    entry = cache.get(key)
    meta = model._meta
    if entry is None:
        qn = conn.ops.quote_name
        fields = [meta.get_field(n) for n in names]
        sets = ", ".join(f"{qn(f.column)} = %s" for f in fields)  # type: ignore[arg-type, union-attr]
        conds = [f"{qn(meta.pk.column)} IN ({', '.join(['%s'] * len(pks))})"]
        wfields = []
        for f, op, n in shape:
            field = meta.get_field(f)
            wfields.append(field)
            if op == "in":
                conds.append(f"{qn(field.column)} IN ({', '.join(['%s'] * n)})" if n else "1 = 0")  # type: ignore[arg-type, union-attr]
            elif op in ("=", ">="):
                conds.append(f"{qn(field.column)} {op} %s")  # type: ignore[arg-type, union-attr]
            else:
                raise ValueError(op)
        if extra_where:
            conds.append(extra_where)
        where_sql = " AND ".join(conds)
        sql = f"UPDATE {qn(meta.db_table)} SET {sets} WHERE {where_sql}"  # noqa: S608 (names only)
        if returning:
            sql += f" RETURNING {qn(meta.pk.column)}"
        entry = cache[key] = (sql, fields, wfields)
    sql, fields, wfields = entry
    params = [f.get_db_prep_save(values[f.name], conn) for f in fields]  # type: ignore[union-attr]
    params += [meta.pk.get_db_prep_value(pk, conn) for pk in pks]
    for f, (_f, op, v) in zip(wfields, where, strict=True):
        if op == "in":
            params += [f.get_db_prep_value(x, conn) for x in sorted(v)]
        else:
            params.append(f.get_db_prep_value(v, conn))
    return sql, params


def update(
    model: type[models.Model],
    pks: Sequence[int],
    values: dict[str, Any],
    *,
    where: Sequence[tuple[str, str, Any]] = (),
    extra_where: str = "",
    returning: bool = False,
    first: tuple[str, list[Any]] | None = None,
    using: str = DEFAULT_DB_ALIAS,
) -> Any:
    """``model.objects.filter(pk__in=pks, <where>).update(**values)`` from a statement
    built once per shape. ``where``: (field, "=" or ">=", value) and (field, "in", set of
    values) conditions; ``extra_where``:
    raw SQL appended with AND (no parameters). Returns the number of rows changed, or with
    ``returning`` (where the database has RETURNING) the ids of the rows changed.

    ``first`` (PostgreSQL): a data-modifying statement (``update_sql``) run in the same
    statement, as ``WITH _before AS (...)``: one round trip for both. Its changes are
    not visible to this update (one snapshot); ``extra_where`` can read its RETURNING rows
    from ``_before``."""
    sql, params = update_sql(
        model,
        pks,
        values,
        where=where,
        extra_where=extra_where,
        returning=returning,
        using=using,
    )
    if first is not None:
        sql = f"WITH _before AS ({first[0]}) {sql}"
        params = [*first[1], *params]
    with prepared(), connections[using].cursor() as cursor:
        cursor.execute(sql, params)
        if returning:
            return [r[0] for r in cursor.fetchall()]
        return cursor.rowcount
