"""The one place where home isolation opens a case candidate for testing (an alert of fever
or symptoms the medical follow-up sends for a test).

Case candidates are moving from ``testing`` to the ``cases`` app: until then a candidate
from home is an urgent door-to-door single-tube test, the mass-testing follow-up's own task
(``testing.RetestTask``), shown on its retest pages. Repoint this function to the cases
app's service when it exists; nothing else calls testing for it."""

from __future__ import annotations

from typing import Any

from django.utils import timezone

from fangkong.core.actors import Actor
from fangkong.testing.choices import RetestReason
from fangkong.testing.models import RetestTask


def open_case_candidate(person: Any, *, by: Actor, note: str = "") -> Any:
    """Open a case candidate for ``person`` (today: an urgent door-to-door test task)."""
    from fangkong.home_isolation.services.tests import open_round_for

    return RetestTask.objects.create(
        person=person,
        area_id=person.area_id,
        reason=RetestReason.HOME_TEST,
        round=open_round_for(person.area, timezone.now()),
        created_by=by if getattr(by, "is_authenticated", False) else None,
    )
