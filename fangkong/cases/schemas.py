"""What the cases API takes and answers."""

from __future__ import annotations

import datetime as dt
from typing import Any

from ninja import Field, Schema

from fangkong.core.api import StrictSchema


class CandidateOut(Schema):
    id: int
    person_id: int
    person_name: str = Field(..., alias="person.name")
    household_id: int | None
    area_id: int
    tube_id: int
    chain: list[dict[str, Any]]
    state: str
    decided_by_id: int | None
    decided_at: dt.datetime | None
    note: str


class ConfirmIn(StrictSchema):
    note: str = Field("", max_length=500)
    kind: str = Field("confirmed", description="confirmed or asymptomatic")


class DismissIn(StrictSchema):
    reason: str = Field(..., max_length=500)


class CaseOut(Schema):
    id: int
    person_id: int
    person_name: str = Field(..., alias="person.name")
    area_id: int
    kind: str
    origin: str
    candidate_id: int | None
    sampled_at: dt.datetime
    sampling_place: str
    reported_at: dt.datetime
    reported_on: dt.date
    found: str
    found_basis: str
    source_contact_id: int | None
    cluster: int | None
    state: str
    hospital: str
    transferred_at: dt.datetime | None
    note: str


class CaseIn(StrictSchema):
    person_id: int
    kind: str = Field(..., description="confirmed or asymptomatic")
    sampled_at: dt.datetime
    sampling_place: str = Field(..., max_length=200)
    reported_at: dt.datetime | None = None
    note: str = Field("", max_length=500)


class TransferIn(StrictSchema):
    hospital: str = Field(..., max_length=100)
    at: dt.datetime | None = None


class ContactOut(Schema):
    id: int
    case_id: int
    person_id: int
    person_name: str = Field(..., alias="person.name")
    area_id: int
    kind: str
    via_id: int | None
    last_exposure: dt.date | None
    episode_id: int | None
    controlled_at: dt.datetime | None
    control_note: str


class ContactIn(StrictSchema):
    person_id: int
    kind: str = "close"
    last_exposure: dt.date | None = None
    via_id: int | None = Field(None, description="For a secondary contact: the close contact")


class ContactsIn(StrictSchema):
    contacts: list[ContactIn] = Field(..., max_length=2000)


class RegisteredOut(Schema):
    contact: ContactOut
    created: bool
    linked: bool


class IndicatorsOut(Schema):
    cases: int
    contacts: int
    contacts_per_case: float | None
    controlled_in_24h_pct: float | None
    from_contacts_pct: float | None


class StreakOut(Schema):
    area_id: int | None
    area_name: str
    days: int | None
    last_community: dt.date | None


class StreakBoardOut(Schema):
    day: dt.date
    overall: StreakOut
    townships: list[StreakOut]
    history: list[dict[str, Any]]


class ClusterOut(Schema):
    cluster: int
    cases: int
    contacts: int
    first_reported: dt.date | None


class GraphOut(Schema):
    """One chain as cytoscape.js elements: ``nodes`` ({"data": {id, label, type, kind,
    found|controlled, day}}) and ``edges`` ({"data": {id, source, target, kind}})."""

    cluster: int
    nodes: list[dict[str, Any]]
    edges: list[dict[str, Any]]
