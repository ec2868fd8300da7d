"""The machines of cases and contacts: every move of their tables performed, one forbidden
move refused naming both states."""

from __future__ import annotations

import itertools

from fangkong.cases.choices import CANDIDATE_TRANSITIONS
from fangkong.cases.models import CaseCandidate
from fangkong.cases.states import CandidateMachine
from fangkong.testing.choices import TubeKind, TubeState
from fangkong.testing.models import Tube
from tests.factories import PersonFactory
from tests.state_walk import walk

codes = (f"C{n:07d}" for n in itertools.count(1))


def test_the_candidate_machine_walks_its_table(county, users, rnd, point):
    def make(state):
        person = PersonFactory(area=county.village_a)
        tube = Tube.objects.create(
            barcode=next(codes), round=rnd, point=point, area=point.area,
            kind=TubeKind.SINGLE, capacity=1, state=TubeState.REPORTED,
        )  # fmt: skip
        return CaseCandidate.objects.create(person=person, area=person.area, tube=tube, state=state)

    assert CandidateMachine.table == {k: set(v) for k, v in CANDIDATE_TRANSITIONS.items()}
    walk(CandidateMachine, make, by=users["county"])
