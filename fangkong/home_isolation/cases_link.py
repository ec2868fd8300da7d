"""Where home isolation meets testing and cases; nothing else here calls them.

- A fever or symptom alert the township's medical follow-up sends for testing
  (``handle_alert(send_for_test=True)``) becomes an urgent door-to-door single-tube test,
  the mass-testing follow-up's own task (``testing.RetestTask``, reason "home test"),
  shown on its retest pages: a case candidate needs a positive tube, which that test gives
  or not.
- A positive tube of a person at home (a test day's, or that urgent one) is a single tube:
  the testing follow-up opens the cases app's case candidate for it in the result's
  transaction (``cases.services.open_candidate``, one per person per positive tube), on
  the command centre's "case candidates to decide"; the nightly close then sends the
  phase to review instead of closing it."""

from __future__ import annotations

from typing import Any

from django.utils import timezone

from fangkong.core.actors import Actor
from fangkong.home_isolation.services._common import user_or_none
from fangkong.testing.choices import RetestReason
from fangkong.testing.models import RetestTask


def send_for_test(person: Any, *, by: Actor) -> RetestTask:
    """An urgent door-to-door single-tube test for ``person`` (fever or symptoms at home)."""
    from fangkong.home_isolation.services.tests import open_round_for

    return RetestTask.objects.create(
        person=person,
        area_id=person.area_id,
        reason=RetestReason.HOME_TEST,
        round=open_round_for(person.area, timezone.now()),
        created_by=user_or_none(by),
    )
