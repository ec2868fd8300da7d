"""The one toolkit for hand-written SQL (see docs/development/fast-sql.md).

The ORM stays the default. Where a path runs hundreds of times a second, or loads millions
of rows, hand-written SQL goes through this package, and an app's own statements live in
its ``sql.py`` (built from the models' table names, the state machines' ``sources(target)``
and ``core.scoping``'s subtree rule). Services never open a cursor themselves.

- ``limits``: ``MAX_PARAMS``, ``IN_CHUNK`` and ``chunks`` (PostgreSQL's 65,535 bound
  parameters a statement);
- ``statements``: ``execute`` / ``query`` / ``query_one``; ``statement(key, build)``
  (a text built once per vendor); ``fetch`` (a queryset compiled once per shape);
  ``update`` / ``update_sql`` (a cached UPDATE by primary keys);
- ``bulk``: ``BulkInserter`` (executemany / COPY with explicit ids), ``insert_many``
  (insert-ignore, COPY on PostgreSQL), ``select_in`` (long IN lists), ``next_id``,
  ``reset_sequences``;
- ``ids``: ``reserve_ids`` (primary keys handed out before the rows are written);
- ``plans``: ``prepared()``, the statements PostgreSQL may keep a generic plan for (only
  ``statements``' own: every other statement is planned for its values);
- ``vendor``: ``is_postgres``, ``is_sqlite``, ``qn``, ``table``, ``marks``,
  ``adapt_datetime``.
"""

from fangkong.core.db.limits import IN_CHUNK, MAX_PARAMS, chunks

__all__ = ["IN_CHUNK", "MAX_PARAMS", "chunks"]
