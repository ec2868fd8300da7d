"""Episodes and their phases are scoped by the person's area when the episode started."""

import pytest

from fangkong.control.models import ControlEpisode, ControlPhase
from fangkong.control.selectors import episodes_due

pytestmark = pytest.mark.django_db


def test_control_episode_visible_to_own_township_only(users, episode_a, episode_b):
    assert set(ControlEpisode.objects.visible_to(users["township_a"])) == {episode_a}
    assert set(ControlEpisode.objects.visible_to(users["township_b"])) == {episode_b}
    assert set(ControlEpisode.objects.visible_to(users["county"])) == {episode_a, episode_b}


def test_control_phase_visible_to_own_township_only(users, episode_a, episode_b):
    assert {p.episode for p in ControlPhase.objects.visible_to(users["township_a"])} == {episode_a}
    assert {p.episode for p in ControlPhase.objects.visible_to(users["village_a"])} == {episode_a}
    assert ControlPhase.objects.visible_to(users["county"]).count() == 4


def test_episode_keeps_the_area_it_started_in(users, county, episode_a, person_a):
    # the person moves to township B; the episode stays with township A's officers
    person_a.area = county.village_b
    person_a.save()
    assert episode_a in ControlEpisode.objects.visible_to(users["township_a"])
    assert episode_a not in ControlEpisode.objects.visible_to(users["township_b"])


def test_due_list_for_a_user_is_scoped(users, episode_a, episode_b):
    import datetime as dt

    due = episodes_due(dt.date(2022, 11, 27), user=users["township_b"])
    assert [p.episode for p in due] == [episode_b]


def test_user_without_area_sees_no_episode(make_user, episode_a):
    from fangkong.core.roles import Role

    nowhere = make_user(Role.COUNTY_COMMAND)
    assert not ControlEpisode.objects.visible_to(nowhere).exists()
    assert not ControlPhase.objects.visible_to(nowhere).exists()
