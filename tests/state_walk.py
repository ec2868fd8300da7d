"""The walk every machine's test makes: each allowed move performed on a row in its source
state, then one forbidden move refused with the one error, naming both states."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.utils import translation

from fangkong.core.errors import IllegalTransition
from fangkong.core.models import AuditLog
from fangkong.core.states import StateMachine


def walk(machine: StateMachine, make: Callable[[str], Any], *, by: Any) -> None:
    """``make(state)`` gives a saved row in ``state``. Every move of the table is performed
    (saved, audited); then the first move the table forbids is refused, nothing written."""
    moves = machine.moves()
    assert moves, f"{machine!r} allows no move at all"
    for src, dst in moves:
        obj = make(src)
        audits = AuditLog.objects.count()
        assert machine.perform(obj, dst, by=by) == src
        fresh = type(obj)._default_manager.get(pk=obj.pk)
        assert machine.current(fresh) == dst, (src, dst)
        assert AuditLog.objects.count() == audits + 1
    src, dst = next(
        (s, t) for s in machine.states for t in machine.states if not machine.allows(s, t)
    )
    obj = make(src)
    audits = AuditLog.objects.count()
    with translation.override("en"), pytest.raises(IllegalTransition) as exc:
        machine.perform(obj, dst, by=by)
    message = str(exc.value.message)
    assert machine.label(src) in message and machine.label(dst) in message, message
    assert "cannot go from" in message and exc.value.status == 409
    assert machine.current(type(obj)._default_manager.get(pk=obj.pk)) == src
    assert AuditLog.objects.count() == audits
