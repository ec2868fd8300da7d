"""API response schemas made from the dataclasses selectors and services return, so a field
added to such a dataclass reaches the API (and its OpenAPI document) without a second edit.

::

    @schema_of(Coverage, ids=("round", "area"))
    class CoverageOut(Schema):
        pass

gives ``CoverageOut`` the dataclass's fields and then its public properties (typed by their
return annotation), without those in ``exclude``. A field in ``ids`` holds a model and
answers with its id as ``<field>_id``. A dataclass inside a field's type
(``list[CoverageRow]``, ``dict[str, StageStats]``) answers with its own schema: the one made
for it before (declare the inner one first when it needs options), else one made with none.
The operation returns the dataclass itself.
"""

from __future__ import annotations

import dataclasses
import types
import typing
from collections.abc import Callable, Iterable
from typing import Any, TypeVar, get_args, get_origin, get_type_hints

from ninja import Schema

_made: dict[type, type[Schema]] = {}

S = TypeVar("S", bound=type[Schema])


def schema_of(
    dc: type, *, exclude: Iterable[str] = (), ids: Iterable[str] = ()
) -> Callable[[S], S]:
    """Fill the decorated schema with dataclass ``dc`` (see the module's docstring)."""

    def fill(declared: S) -> S:
        schema = typing.cast(S, _build(dc, declared, set(exclude), set(ids)))
        _made.setdefault(dc, schema)
        return schema

    return fill


def _build(dc: type, base: type[Schema], skip: set[str], id_fields: set[str]) -> type[Schema]:
    hints = get_type_hints(dc)
    annotations: dict[str, Any] = {}
    namespace: dict[str, Any] = {"__module__": base.__module__, "__doc__": base.__doc__}
    for f in dataclasses.fields(dc):
        if f.name in skip:
            continue
        if f.name in id_fields:
            key = f"{f.name}_id"
            annotations[key] = int | None if type(None) in get_args(hints[f.name]) else int
            namespace[f"resolve_{key}"] = staticmethod(_id_of(f.name))
        else:
            annotations[f.name] = _out(hints[f.name])
    for attr, value in vars(dc).items():
        if isinstance(value, property) and not attr.startswith("_") and attr not in skip:
            annotations[attr] = _out(get_type_hints(value.fget)["return"])
    namespace["__annotations__"] = annotations
    return typing.cast(type[Schema], type(base.__name__, (base,), namespace))


def _id_of(field: str) -> Any:
    def resolve(obj: Any) -> int | None:
        value = obj.get(field) if isinstance(obj, dict) else getattr(obj, field)
        return None if value is None else value.pk

    return resolve


def _out(tp: Any) -> Any:
    """``tp`` with every dataclass in it replaced by its schema."""
    if dataclasses.is_dataclass(tp) and isinstance(tp, type):
        if tp not in _made:
            _made[tp] = _build(tp, Schema, set(), set())
        return _made[tp]
    args = get_args(tp)
    if not args:
        return tp
    inner = tuple(_out(a) for a in args)
    origin = get_origin(tp)
    if origin is types.UnionType or origin is typing.Union:
        return typing.Union[inner]  # noqa: UP007 - built from a tuple
    return origin[inner]
