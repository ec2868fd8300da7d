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


class DismissIn(StrictSchema):
    reason: str = Field(..., max_length=500)
