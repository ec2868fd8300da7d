"""The machines of home isolation walk their tables; a forbidden move names both states."""

import datetime as dt
import itertools

import pytest
from django.utils import timezone

from fangkong.home_isolation.choices import Origin, Outcome
from fangkong.home_isolation.models import (
    CloseReview,
    DoorSeal,
    EligibilityAssessment,
    ServiceRequest,
)
from fangkong.home_isolation.states import (
    PlacementMachine,
    RequestMachine,
    ReviewMachine,
    SealMachine,
)
from tests.factories import HouseholdFactory
from tests.state_walk import walk

pytestmark = pytest.mark.django_db
numbers = itertools.count(1)


def test_the_placement_machine(users, family):
    def make(state):
        return EligibilityAssessment.objects.create(
            person=family[0], area=family[0].area, origin=Origin.CADRE, outcome=Outcome.INELIGIBLE,
            placement_state=state, conditions={},
        )  # fmt: skip

    walk(PlacementMachine, make, by=users["county"])


def test_the_seal_machine(users, county):
    def make(state):
        return DoorSeal.objects.create(
            household=HouseholdFactory(area=county.village_a), area=county.village_a,
            kind="seal", number=f"S{next(numbers)}", state=state, fitted_at=timezone.now(),
        )  # fmt: skip

    walk(SealMachine, make, by=users["county"])


def test_the_request_machine(users, family):
    def make(state):
        return ServiceRequest.objects.create(
            person=family[0], area=family[0].area, kind="groceries", state=state,
            due_at=timezone.now() + dt.timedelta(hours=2),
        )  # fmt: skip

    walk(RequestMachine, make, by=users["county"])


def test_the_review_machine(users, family, at_home):
    def make(state):
        return CloseReview.objects.create(
            phase=at_home[0], person=family[0], area=family[0].area,
            day=timezone.localdate() + dt.timedelta(days=next(numbers)), state=state,
        )  # fmt: skip

    walk(ReviewMachine, make, by=users["county"])
