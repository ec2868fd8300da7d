"""The demo's home isolation: for the people the control demo put at home in the village
login's community, an eligibility check each (one home fails: the placement queue of the
site and county logins), a door seal, a health report with fever (an alert for the
township), service requests (one overdue) and the day's door-to-door test tasks."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone

from fangkong.core.models import User
from fangkong.home_isolation import services
from fangkong.home_isolation.choices import Origin
from fangkong.home_isolation.models import EligibilityAssessment, ServiceRequest
from fangkong.home_isolation.phases import active_home_phases
from fangkong.home_isolation.services.portal import record_report


@transaction.atomic
def load_demo_home(stdout: Any = None) -> dict[str, int]:
    if EligibilityAssessment.objects.exists():
        if stdout is not None:
            stdout.write("demo: home isolation checks already present, skipped")
        return {"skipped": 1}
    cadre = User.objects.get(username="village")
    county = User.objects.get(username="county")
    phases = list(
        active_home_phases()
        .filter(episode__person__household__isnull=False)
        .select_related("episode__person__household", "episode__person__area")
        .order_by("episode__area__path", "pk")[:6]
    )
    made = {"assessed": 0, "requests": 0}
    for i, phase in enumerate(phases):
        person = phase.episode.person
        by = cadre if cadre.areas.filter(path__in=person.area.ancestor_paths()).exists() else county
        good = i != 1  # the second home fails: a shared bathroom
        services.assess_household(
            person,
            services.Answers(own_room=True, own_bathroom=good, children_with_parent=True),
            origin=Origin.RISK_AREA,
            by=by,
        )
        made["assessed"] += 1
        if i == 0 and person.household is not None:
            services.fit_seal(person.household, kind="seal", number=f"YY-{person.pk:06d}",
                              consent=True, by=by)  # fmt: skip
            record_report(person, phase, Decimal("36.6"), [])
        if i == 2:
            record_report(person, phase, Decimal("38.3"), ["cough"])
        if i in (0, 3):
            req = services.create_request(person, kind="urgent_medicine" if i == 3 else "groceries",
                                          note="降压药" if i == 3 else "米、油", by=by)  # fmt: skip
            made["requests"] += 1
            if i == 3:  # entered three hours ago: overdue
                ServiceRequest.objects.filter(pk=req.pk).update(
                    created_at=timezone.now() - dt.timedelta(hours=3),
                    due_at=timezone.now() - dt.timedelta(hours=1),
                )
    made["tests"] = services.schedule_home_tests(timezone.localdate())
    if stdout is not None:
        stdout.write(
            "demo: {assessed} homes checked (one needs centralized placement), "
            "{requests} service requests, {tests} door-to-door test tasks".format(**made)
        )
    return made
