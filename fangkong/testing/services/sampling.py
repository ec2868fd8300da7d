"""Taking swabs: a person into a tube, pooled tubes filling and closing, single tubes for
people under control or in flagged key groups, repeats warned."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass
from typing import Any, Protocol

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from fangkong.control.choices import EpisodeStatus
from fangkong.control.models import ControlEpisode
from fangkong.core import audit
from fangkong.core.actors import Actor
from fangkong.core.errors import Conflict, ValidationFailed
from fangkong.core.permissions import require, require_area
from fangkong.core.scoping import within
from fangkong.people.choices import PersonStatus
from fangkong.testing.choices import TubeKind, TubeState
from fangkong.testing.models import ScreeningRound, TestingPoint, Tube, TubeMember
from fangkong.testing.services._common import check_sampler, clean_barcode
from fangkong.testing.states import TubeMachine

ROUND_GRACE = dt.timedelta(hours=12)  # offline swabs uploaded after a round ends


@dataclass
class SampleResult:
    member: TubeMember
    tube: Tube
    created: bool  # False: this client_uuid was recorded before (an idempotent retry)
    closed: bool  # the tube closed because it is full
    repeat: bool  # the person already had a swab in this round


def round_paths(rnd: ScreeningRound) -> list[str]:
    return list(rnd.areas.values_list("path", flat=True))


def in_round(person: Any, paths: list[str]) -> bool:
    return within(person.area.path, paths)


class RoundTimes(Protocol):
    """A round as ``check_round_open`` reads it: the model, or the scan's cached copy."""

    @property
    def starts_at(self) -> dt.datetime: ...

    @property
    def ends_at(self) -> dt.datetime: ...


def check_round_open(rnd: RoundTimes, at: dt.datetime | None = None) -> None:
    at = at or timezone.now()
    if at < rnd.starts_at:
        raise ValidationFailed(_("Round %(r)s has not started yet.") % {"r": rnd}, field="round")
    if at > rnd.ends_at + ROUND_GRACE:
        raise ValidationFailed(_("Round %(r)s has ended.") % {"r": rnd}, field="round")


def controlled_person_ids(person_ids: list[int] | None = None) -> set[int]:
    """Persons with an active control episode (all of them, or among ``person_ids``)."""
    qs = ControlEpisode.objects.filter(status=EpisodeStatus.ACTIVE)
    if person_ids is not None:
        qs = qs.filter(person_id__in=person_ids)
    return set(qs.values_list("person_id", flat=True))


def needs_single_tube(person: Any, rnd: ScreeningRound) -> bool:
    """1:1 for people under control and for the key groups the round samples singly."""
    if controlled_person_ids([person.pk]):
        return True
    cat_ids = set(rnd.single_categories.values_list("pk", flat=True))
    return bool(cat_ids) and person.categories.filter(pk__in=cat_ids).exists()


def check_person(person: Any, rnd: ScreeningRound) -> None:
    if person.status != PersonStatus.ACTIVE:
        raise ValidationFailed(
            _("This person record is no longer active; use the record it was merged into."),
            field="person",
        )
    if not in_round(person, round_paths(rnd)):
        raise ValidationFailed(
            _("%(name)s lives in %(area)s, outside the areas of round %(round)s.")
            % {"name": person, "area": person.area.full_name(), "round": rnd},
            field="person",
        )


def previous_swab(person: Any, rnd: ScreeningRound) -> TubeMember | None:
    return (
        TubeMember.objects.filter(round=rnd, person=person)
        .select_related("tube")
        .order_by("sampled_at")
        .first()
    )


def sample(
    rnd: ScreeningRound,
    point: TestingPoint,
    *,
    person: Any,
    tube_barcode: str,
    by: Actor,
    client_uuid: uuid.UUID | str | None = None,
    confirm_repeat: bool = False,
    at: dt.datetime | None = None,
    retest: bool = False,
) -> SampleResult:
    """Put ``person``'s swab in the tube ``tube_barcode`` (opened here on first use: single
    when the person must be sampled singly, else pooled at the round's ratio). Refuses a
    closed tube (scanned twice), a person outside the round's areas, a person who must be
    sampled singly going into a pooled tube, and warns a repeat in the round (Conflict with
    code ``repeat``) unless ``confirm_repeat``.

    ``retest``: a door-to-door single-tube retest (单采复核): always a new single tube (a
    barcode used before is refused), and it may be taken after the round has ended, since
    it follows the round's results."""
    check_sampler(by, point)
    at = at or timezone.now()
    if not retest:
        check_round_open(rnd, at)
    barcode = clean_barcode(tube_barcode, field="tube")
    cid = _uuid(client_uuid)
    done = TubeMember.objects.filter(client_uuid=cid).select_related("tube").first()
    if done is not None:
        return SampleResult(done, done.tube, created=False, closed=False, repeat=done.repeat)
    check_person(person, rnd)
    single = retest or needs_single_tube(person, rnd)
    earlier = previous_swab(person, rnd)
    if earlier is not None and not confirm_repeat:
        raise Conflict(
            _("%(name)s was already sampled in this round at %(time)s (tube %(tube)s).")
            % {
                "name": person,
                "time": timezone.localtime(earlier.sampled_at).strftime("%m-%d %H:%M"),
                "tube": earlier.tube.barcode,
            },
            field="person",
            code="repeat",
        )
    for attempt in (1, 2):
        try:
            with transaction.atomic():
                tube = Tube.objects.select_for_update().filter(barcode=barcode).first()
                if tube is not None and retest:
                    raise Conflict(
                        _("Tube %(code)s is already used: take a new tube for the retest.")
                        % {"code": barcode},
                        field="tube",
                        code="tube_used",
                    )
                created_tube = tube is None
                if tube is None:
                    tube = Tube.objects.create(
                        barcode=barcode,
                        round=rnd,
                        point=point,
                        area=point.area,
                        kind=TubeKind.SINGLE if single else TubeKind.POOLED,
                        capacity=1 if single else rnd.pooling_ratio,
                        sampler=by,
                        created_by=by,
                    )
                else:
                    _check_tube(tube, rnd, point, single=single, person=person)
                member = TubeMember.objects.create(
                    tube=tube,
                    round=rnd,
                    person=person,
                    area_id=person.area_id,
                    sampled_at=at,
                    sampler=by,
                    client_uuid=cid,
                    repeat=earlier is not None,
                )
                tube.member_count += 1
                if tube.first_sampled_at is None:
                    tube.first_sampled_at = at
                closed = tube.member_count >= tube.capacity
                if closed:
                    TubeMachine.move(tube, TubeState.CLOSED)
                    tube.closed_at = at
                tube.save(update_fields=["member_count", "first_sampled_at", "state", "closed_at"])
                # one audit row per swab: the member, with the tube it opened or closed
                audit.record(
                    audit.Action.CREATE,
                    member,
                    by=by,
                    after=audit.snapshot(member),
                    detail=member_audit_detail(
                        tube.barcode,
                        tube.kind,
                        tube.member_count,
                        tube.capacity,
                        opened=created_tube,
                        closed=closed,
                        repeat=member.repeat,
                    ),  # fmt: skip
                )
        except IntegrityError:
            done = TubeMember.objects.select_related("tube").filter(client_uuid=cid).first()
            if done is not None:  # the same client id raced in from a retry
                return SampleResult(done, done.tube, created=False, closed=False,
                                    repeat=done.repeat)  # fmt: skip
            if attempt == 2:
                raise
            # another sampler opened this new barcode a moment before us: it exists now
            continue
        return SampleResult(member, tube, created=True, closed=closed, repeat=member.repeat)
    raise AssertionError("unreachable")  # pragma: no cover


def member_audit_detail(
    barcode: str,
    kind: str,
    count: int,
    capacity: int,
    *,
    opened: bool = False,
    closed: bool = False,
    repeat: bool = False,
) -> str:
    """The swab's audit line: which tube, how full, and whether the swab opened the tube (a
    new tube is audited here, not in a row of its own) or closed it."""
    parts = [f"tube {barcode} ({kind}) {count}/{capacity}"]
    if opened:
        parts.append("tube opened")
    if closed:
        parts.append("tube closed: full")
    if repeat:
        parts.append("repeat in round")
    return "; ".join(parts)


def _check_tube(
    tube: Tube, rnd: ScreeningRound, point: TestingPoint, *, single: bool, person: Any
) -> None:
    if tube.round_id != rnd.pk:
        raise ValidationFailed(
            _("Tube %(code)s belongs to another round (%(round)s).")
            % {"code": tube.barcode, "round": tube.round},
            field="tube",
        )
    if tube.state != TubeState.OPEN:
        raise Conflict(
            _("Tube %(code)s was scanned before and is %(state)s: take a new tube.")
            % {"code": tube.barcode, "state": tube.get_state_display()},
            field="tube",
            code="tube_closed",
        )
    if tube.point_id != point.pk:
        raise ValidationFailed(
            _("Tube %(code)s was opened at another testing point.") % {"code": tube.barcode},
            field="tube",
        )
    if single and tube.kind == TubeKind.POOLED:
        raise ValidationFailed(
            _(
                "%(name)s must be sampled singly (under control or in a key group): "
                "use a new tube, not pooled tube %(code)s."
            )
            % {"name": person, "code": tube.barcode},
            field="tube",
            code="single_required",
        )
    if tube.members.filter(person=person).exists():
        raise Conflict(
            _("%(name)s is already in tube %(code)s.") % {"name": person, "code": tube.barcode},
            field="person",
        )


def _uuid(value: Any) -> uuid.UUID:
    if value in (None, ""):
        return uuid.uuid4()
    if isinstance(value, uuid.UUID):
        return value
    try:
        return uuid.UUID(str(value))
    except ValueError:
        raise ValidationFailed(_("Not a valid client id (UUID)."), field="client_uuid") from None


@transaction.atomic
def close_tube(tube: Tube, *, by: Actor) -> Tube:
    """Close a pooled tube by hand before it is full (the queue ran out, the shift ends)."""
    require(by, "testing.sample")
    require_area(by, tube.area, field="tube")
    tube = Tube.objects.select_for_update().get(pk=tube.pk)
    if tube.member_count == 0:
        raise ValidationFailed(
            _("Tube %(code)s holds no swab; nothing to close.") % {"code": tube.barcode},
            field="tube",
        )
    TubeMachine.perform(tube, TubeState.CLOSED, by=by, also={"closed_at": timezone.now()})
    return tube
