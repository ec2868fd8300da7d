"""The API's schemas for home isolation."""

from __future__ import annotations

import datetime as dt

from ninja import Field, Schema

from fangkong.core.api import StrictSchema
from fangkong.home_isolation.choices import Origin, RequestKind, SealKind, Window


class AssessmentIn(StrictSchema):
    person_id: int
    origin: Origin
    lives_alone: bool = False
    own_room: bool = False
    own_bathroom: bool = False
    shared_bathroom_cleaned: bool = False
    shared_central_ac: bool = False
    collective_dormitory: bool = False
    children_with_parent: bool = False
    dependants: bool = False
    carer_ill: bool = False
    carer_id: int | None = None
    note: str = Field("", max_length=200)


class AssessmentOut(Schema):
    id: int
    person_id: int
    household_id: int | None
    area_id: int
    origin: str
    outcome: str
    reasons: list[dict]
    members: list[int]
    rule_set_code: str
    placement_state: str
    placement_changed_at: dt.datetime | None
    created_at: dt.datetime


class PendingCheckOut(Schema):
    id: int
    person_id: int
    person_name: str = Field(..., alias="person.name")
    household_id: int | None
    area_id: int
    origin: str
    phase_id: int | None
    created_at: dt.datetime


class NoteIn(StrictSchema):
    note: str = Field("", max_length=200)


class HomeReasonIn(StrictSchema):
    reason_text: str = Field(..., max_length=200)


class SealIn(StrictSchema):
    kind: SealKind
    number: str = Field(..., max_length=40)
    consent: bool


class SealOut(Schema):
    id: int
    household_id: int
    kind: str
    number: str
    state: str
    consent: bool
    fitted_at: dt.datetime
    fitted_by_id: int | None
    removed_at: dt.datetime | None
    removed_by_id: int | None


class LinkOut(Schema):
    id: int
    person_id: int
    expires_at: dt.datetime
    url: str = ""


class HouseholdMemberOut(Schema):
    person_id: int
    name: str
    phase_id: int | None
    kind: str | None
    day: int
    days: int
    planned_end_date: dt.date | None
    test_days: list[str]
    reported_today: int


class ChainOut(Schema):
    role: str
    name: str
    phone_masked: str


class HomeHouseholdOut(Schema):
    id: int
    address: str
    members: list[HouseholdMemberOut]
    seal: SealOut | None
    assessment_id: int | None
    chain: list[ChainOut]


class MissedOut(Schema):
    person_id: int
    name: str
    household_id: int | None
    phase_id: int
    reminded: bool


class ServiceRequestIn(StrictSchema):
    person_id: int
    kind: RequestKind
    note: str = Field("", max_length=300)


class ServiceRequestOut(Schema):
    id: int
    person_id: int
    household_id: int | None
    area_id: int
    kind: str
    note: str
    state: str
    due_at: dt.datetime
    assignee_name: str
    delivered_at: dt.datetime | None
    confirmation: str
    cancel_reason: str
    from_portal: bool


class AcceptIn(StrictSchema):
    assignee_name: str = Field("", max_length=60)


class DeliverIn(StrictSchema):
    confirmation: str = Field(..., max_length=200)


class BoardOut(Schema):
    village: str
    name: str
    open: int
    overdue: int


class AlertOut(Schema):
    id: int
    kind: str
    person_id: int | None
    household_id: int | None
    area_id: int
    at: dt.datetime
    detail: str
    handled_at: dt.datetime | None
    candidate_opened: bool


class HandleIn(StrictSchema):
    send_for_test: bool = False


class ReviewOut(Schema):
    id: int
    phase_id: int
    person_id: int
    day: dt.date
    reasons: list[str]
    state: str


class ResolveIn(StrictSchema):
    close: bool = False
    new_end_date: dt.date | None = None
    reason_text: str = Field("", max_length=200)


class HomePhaseAdjustIn(StrictSchema):
    new_end_date: dt.date
    reason_text: str = Field(..., max_length=200)


class AdjustOut(Schema):
    id: int
    start_date: dt.date
    planned_end_date: dt.date
    test_days: list[str]


class SensorEventIn(StrictSchema):
    sensor: str = Field(..., max_length=40)
    event: str = Field("open", max_length=20)
    at: dt.datetime | None = None


class PortalReportIn(StrictSchema):
    token: str = Field(..., max_length=100)
    temperature: str = Field(..., max_length=10)
    symptoms: list[str] = Field(default_factory=list, max_length=20)
    for_person: int | None = None


class HealthReportOut(Schema):
    day: dt.date
    window: str
    temperature: float
    flagged: bool


class CloseOut(Schema):
    closed: int
    to_review: int


class WindowQuery(Schema):
    window: Window | None = None
