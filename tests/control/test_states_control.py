"""The phase and episode machines (the episode's table was declared and unused before):
every move of their tables performed, one forbidden move refused naming both states; a
completed episode cannot be cancelled, with the same wording as any illegal move."""

from __future__ import annotations

import pytest
from django.utils import translation

from fangkong.control.choices import (
    EPISODE_TRANSITIONS,
    PHASE_TRANSITIONS,
    EpisodeStatus,
    PhaseStatus,
)
from fangkong.control.models import ControlEpisode, ControlPhase
from fangkong.control.services import cancel_episode, complete_phase, start_episode
from fangkong.control.states import EpisodeMachine, PhaseMachine
from fangkong.core.errors import IllegalTransition
from tests.control.conftest import NOV_23
from tests.factories import PersonFactory
from tests.state_walk import walk


def _episode(county):
    return start_episode(
        PersonFactory(area=county.village_a), "close_contact", start_date=NOV_23, by=None
    )


def test_the_phase_machine_walks_its_table(users, county):
    def make(status):
        episode = _episode(county)
        episode.phases.filter(order=1).update(status=PhaseStatus.COMPLETED)
        phase = episode.phases.get(order=2)
        ControlPhase.objects.filter(pk=phase.pk).update(status=status)
        return ControlPhase.objects.get(pk=phase.pk)

    assert PhaseMachine.table == {k: set(v) for k, v in PHASE_TRANSITIONS.items()}
    walk(PhaseMachine, make, by=users["county"])


def test_the_episode_machine_walks_its_table(users, county):
    def make(status):
        ControlEpisode.objects.filter(status=EpisodeStatus.ACTIVE).update(
            status=EpisodeStatus.CANCELLED
        )  # one active episode a person: start each from a clean slate
        episode = _episode(county)
        ControlEpisode.objects.filter(pk=episode.pk).update(status=status)
        return ControlEpisode.objects.select_related("person").get(pk=episode.pk)

    assert EpisodeMachine.table == {k: set(v) for k, v in EPISODE_TRANSITIONS.items()}
    walk(EpisodeMachine, make, by=users["county"])


def test_cancelling_a_completed_episode_names_both_states(users, county):
    episode = _episode(county)
    for _ in range(2):
        current = episode.phases.get(status=PhaseStatus.ACTIVE)
        complete_phase(current, by=users["county"], on_date=current.planned_end_date)
    assert ControlEpisode.objects.get(pk=episode.pk).status == EpisodeStatus.COMPLETED
    with translation.override("en"), pytest.raises(IllegalTransition) as exc:
        cancel_episode(episode, reason_text="录入错误", by=users["county"])
    message = str(exc.value.message)
    assert "cannot go from “Completed (解除管控)” to “Cancelled (撤销)”" in message
    assert "episode" in exc.value.fields
    with translation.override("zh-hans"), pytest.raises(IllegalTransition) as exc:
        cancel_episode(episode, reason_text="录入错误", by=users["county"])
    assert "不能从" in str(exc.value.message)
    assert ControlEpisode.objects.get(pk=episode.pk).status == EpisodeStatus.COMPLETED
