"""The state machines of people's records (``core.states``): a person record merged into
another, and an import job's progress."""

from __future__ import annotations

from fangkong.core.models import IMPORT_TRANSITIONS
from fangkong.core.states import StateMachine
from fangkong.people.choices import PERSON_TRANSITIONS
from fangkong.people.models import ImportJob, Person

PersonMachine = StateMachine(Person.status, PERSON_TRANSITIONS, describe=str, error_field="person")

ImportMachine = StateMachine(ImportJob.status, IMPORT_TRANSITIONS, describe=str, error_field="job")
