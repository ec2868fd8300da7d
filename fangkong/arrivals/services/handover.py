"""The receiving village's side of an arrival (精准对接): acknowledging it (visited, at the
address, measure started) or cancelling it. Confirming the measure starts the control
episode the origin's risk calls for, under the rule in force (7 days home isolation with
tests on days 1, 3, 5, 7 after a high-risk area; two tests in three days after a low-risk
one), and files the person in the key-person list of that risk."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from fangkong.arrivals.choices import ArrivalStatus
from fangkong.arrivals.models import Arrival
from fangkong.arrivals.states import ArrivalMachine
from fangkong.checkpoints.decisions import table_for
from fangkong.control.selectors import active_episode_for
from fangkong.control.services import start_episode
from fangkong.core.actors import Actor
from fangkong.core.errors import Conflict, ValidationFailed
from fangkong.core.permissions import require, require_area
from fangkong.people.models import KeyCategory, Person
from fangkong.people.services import PersonData, create_person
from fangkong.people.services.persons import find_by_id_number


def _locked(arrival: Arrival, by: Actor) -> Arrival:
    require(by, "arrival.acknowledge")
    require_area(by, arrival.area, field="arrival")
    return (
        Arrival.objects.select_for_update(of=("self",))
        .select_related("area", "household")
        .get(pk=arrival.pk)
    )


def person_for(arrival: Arrival, *, by: Actor) -> Person:
    """The registry's person of this arrival: found by the document number anywhere in the
    county, else registered in the receiving village (with the household found)."""
    if arrival.person_id:
        return Person.objects.get(pk=arrival.person_id)
    found = find_by_id_number(arrival.id_number)
    if found is not None:
        return found
    person, _created = create_person(
        by=by,
        area=arrival.household.area if arrival.household else arrival.area,
        data=PersonData(
            name=arrival.name, doc_type=arrival.doc_type, id_number=arrival.id_number,
            phone=arrival.phone,
        ),
        household=arrival.household,
    )  # fmt: skip
    return person


def file_in_key_list(person: Person, risk: str, day: Any) -> None:
    code = table_for(day).arrival_categories.get(risk)
    if code:
        category = KeyCategory.objects.filter(code=code, active=True).first()
        if category is not None:
            person.categories.add(category)


@transaction.atomic
def acknowledge(
    arrival: Arrival,
    *,
    visited: bool,
    at_address: bool,
    start_measure: bool,
    notes: str = "",
    by: Actor,
) -> Arrival:
    """The village confirms it received the arrival; with ``start_measure`` the measure due
    starts now (the episode is linked to the arrival). Another village's arrival is not
    found; an arrival already acknowledged is refused by the machine."""
    arrival = _locked(arrival, by)
    ArrivalMachine.check(arrival, ArrivalStatus.ACKNOWLEDGED)
    if not visited:
        raise ValidationFailed(
            _("Acknowledge only after visiting the person (上门核实)."), field="visited"
        )
    if not at_address and not notes.strip():
        raise ValidationFailed(_("Say where the person is when not at the address."), field="notes")
    if start_measure and not arrival.measure:
        raise ValidationFailed(
            _("No measure is due for an arrival from outside the risk areas."),
            field="start_measure",
        )
    person = person_for(arrival, by=by)
    episode = None
    if start_measure:
        start = min(arrival.arrival_date, timezone.localdate())
        try:
            episode = start_episode(person, arrival.measure, start_date=start, by=by,
                                    area_check=False)  # fmt: skip
        except Conflict:  # under control already (for this or another reason): link that
            episode = active_episode_for(person)
    if arrival.risk:
        file_in_key_list(person, arrival.risk, arrival.arrival_date)
    ArrivalMachine.perform(
        arrival,
        ArrivalStatus.ACKNOWLEDGED,
        by=by,
        also={
            "acknowledged_at": timezone.now(),
            "acknowledged_by": by,
            "visited": visited,
            "at_address": at_address,
            "person": person,
            "episode": episode,
            "notes": (notes.strip() or arrival.notes)[:300],
        },
        event="arrival_acknowledged",
        event_subject=person,
        summary=_("Arrival %(ref)s acknowledged by the village") % {"ref": arrival.reference},
        area=arrival.area,
    )
    return arrival


@transaction.atomic
def cancel_arrival(arrival: Arrival, *, reason: str, by: Actor) -> Arrival:
    """The arrival will not come (or was entered by mistake): out of the work queue."""
    require(by, "arrival.manage")
    require_area(by, arrival.area, field="arrival")
    arrival = Arrival.objects.select_for_update().get(pk=arrival.pk)
    if not reason.strip():
        raise ValidationFailed(_("Say why the arrival is cancelled."), field="reason")
    ArrivalMachine.perform(
        arrival, ArrivalStatus.CANCELLED, by=by, also={"notes": reason.strip()[:300]}
    )
    return arrival
