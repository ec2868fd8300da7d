"""Importing an employer's whitelist (白名单) from Excel, in the background.

Columns (Chinese headers as employers keep them): 姓名, 证件号码, 手机号码, 岗位, 是否闭环,
闭环地点, and optionally 单位 / 统一社会信用代码 (when given, it must name the employer the
file is uploaded for: a row of another employer is refused). Each row's ID is checked
(GB 11643 for resident IDs); the person is the registry's, matched on the ID's blind index
whatever their area, or registered new in the employer's area; a person already on another
employer's whitelist is refused. All or nothing, or good rows only, as the uploader chose.
Writing is bulk (``BulkInserter``, ids reserved up front): 40,000 rows in well under a
minute (``bench/bench_workforce.py``)."""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from fangkong.core import audit
from fangkong.core.actors import Actor
from fangkong.core.db.bulk import BulkInserter
from fangkong.core.db.ids import reserve_ids
from fangkong.core.errors import ValidationFailed
from fangkong.core.permissions import require
from fangkong.core.pii import blind_index
from fangkong.core.pinyin import pinyin_initials
from fangkong.core.services.imports import queue_import_job, refuse_bad_rows, run_import_job
from fangkong.core.xlsx import Limits, SheetReader, XlsxRefused, check_workbook, find_header
from fangkong.people.choices import DocType, PersonStatus
from fangkong.people.idnumber import IdNumberError, normalise_id, parse_resident_id, validate_phone
from fangkong.people.models import Person
from fangkong.people.services import persons_written
from fangkong.workforce.choices import LoopState
from fangkong.workforce.models import Employer, WhitelistImport, WhitelistRowError, Worker
from fangkong.workforce.services.workers import check_employer_access, new_pass_code

log = logging.getLogger("fangkong.workforce.import")
MAX_BYTES = 50 * 1024 * 1024
MAX_ROWS = 100_000
CHUNK = 900
LIMITS = Limits(strings=1_000_000)

COLUMNS = {  # header -> key
    "姓名": "name",
    "证件号码": "id_number",
    "身份证号": "id_number",
    "身份证号码": "id_number",
    "手机号码": "phone",
    "手机": "phone",
    "联系电话": "phone",
    "岗位": "post",
    "是否闭环": "in_loop",
    "闭环地点": "loop_place",
    "单位": "employer",
    "单位名称": "employer",
    "统一社会信用代码": "employer_code",
}
REQUIRED = {"name", "id_number"}
HEADER_OF = {"name": "姓名", "id_number": "证件号码", "phone": "手机号码", "post": "岗位",
             "in_loop": "是否闭环", "loop_place": "闭环地点", "employer": "单位",
             "employer_code": "统一社会信用代码"}  # fmt: skip
YES = {"是", "y", "yes", "1", "true", "闭环"}
_RESIDENT_RE = re.compile(r"^\d{17}[\dX]$")
_LOOKS_RESIDENT = re.compile(r"^\d{6,}X?$")  # all digits: a resident ID, however short


def template_headers() -> list[str]:
    return ["姓名", "证件号码", "手机号码", "岗位", "是否闭环", "闭环地点", "单位"]


@dataclass
class Row:
    number: int
    values: dict[str, Any] = field(default_factory=dict)
    errors: list[tuple[str, str]] = field(default_factory=list)

    def error(self, key: str, message: str) -> None:
        self.errors.append((HEADER_OF.get(key, key), str(message)))


def _key(cell: Any) -> str | None:
    name = re.sub(r"[\s*＊]|（必填）|\(必填\)", "", str(cell or ""))
    return COLUMNS.get(name)


def _score(cells: tuple[Any, ...]) -> int:
    keys = {k for k in map(_key, cells) if k}
    return len(keys) + (100 if keys >= REQUIRED else 0)


def _open(content: bytes) -> tuple[SheetReader, str, int, dict[int, str]]:
    check_workbook(content, limits=LIMITS)
    try:
        book = SheetReader(content, limits=LIMITS)
    except Exception as exc:  # noqa: BLE001 - any unreadable workbook is the same error
        raise XlsxRefused(_("The file is not an Excel workbook (.xlsx)."), field="file") from exc
    header = find_header(book, _score)
    if header is None:
        book.close()
        raise XlsxRefused(_("The workbook has no sheet."), field="file")
    columns = {i: k for i, k in enumerate(map(_key, header.cells)) if k}
    missing = [HEADER_OF[k] for k in sorted(REQUIRED - set(columns.values()))]
    if missing:
        book.close()
        raise XlsxRefused(_("Missing columns: %(c)s.") % {"c": "、".join(missing)}, field="file")
    return book, header.path, header.number, columns


def start_whitelist_import(
    employer: Employer, *, by: Actor, filename: str, content: bytes, mode: str
) -> WhitelistImport:
    """Check the file's columns now and queue its import for ``employer``. An account of
    another employer is refused (not found)."""
    require(by, "worker.manage")
    check_employer_access(by, employer)
    if mode not in WhitelistImport.Mode.values:
        raise ValidationFailed(_("Choose all-or-nothing or good rows only."), field="mode")
    if len(content) > MAX_BYTES:
        raise ValidationFailed(
            _("The file is larger than %(n)d MB.") % {"n": MAX_BYTES // (1024 * 1024)}, field="file"
        )
    _open(content)[0].close()
    from fangkong.workforce.tasks import run_whitelist_import_task

    return queue_import_job(
        WhitelistImport,
        run_whitelist_import_task,
        by=by,
        detail=f"whitelist of employer {employer.pk}, mode {mode}",
        filename=(filename or "whitelist.xlsx")[:200],
        content=content,
        mode=mode,
        employer=employer,
    )


def _text(v: Any) -> str:
    if v is None:
        return ""
    if isinstance(v, float) and v.is_integer():
        v = int(v)
    return str(v).strip()


def read_row(
    number: int, cells: tuple[Any, ...], columns: dict[int, str], employer: Employer
) -> Row:
    row = Row(number)
    raw = {k: _text(cells[i]) if i < len(cells) else "" for i, k in columns.items()}
    name = raw.get("name", "")
    if not name:
        row.error("name", _("A name is required."))
    elif len(name) > 60:
        row.error("name", _("At most 60 characters."))
    number_ = normalise_id(raw.get("id_number", ""))
    doc_type = DocType.RESIDENT_ID
    birth = sex = None
    if not number_:
        row.error("id_number", _("A document number is required."))
    elif _LOOKS_RESIDENT.match(number_):
        try:
            rid = parse_resident_id(number_)
            birth, sex = rid.birth_date, rid.sex
        except IdNumberError as exc:
            row.error("id_number", str(exc))
    elif len(number_) > 40:
        row.error("id_number", _("At most 40 characters."))
    else:
        doc_type = DocType.OTHER
    phone = ""
    try:
        phone = validate_phone(raw.get("phone", ""))
    except IdNumberError as exc:
        row.error("phone", str(exc))
    other = raw.get("employer", "")
    code = raw.get("employer_code", "").upper()
    if (other and other != employer.name) or (code and code != employer.code):
        row.error(
            "employer" if other and other != employer.name else "employer_code",
            _("This row belongs to another employer (%(e)s): upload it from that employer.")
            % {"e": other or code},
        )
    in_loop = raw.get("in_loop", "").lower() in YES
    row.values = {
        "name": name,
        "id_number": number_,
        "doc_type": doc_type,
        "birth_date": birth,
        "sex": sex or "",
        "phone": phone,
        "post": raw.get("post", "")[:60],
        "in_loop": in_loop,
        "loop_place": raw.get("loop_place", "")[:100],
    }
    return row


def import_jobs_for(user: Actor):
    return WhitelistImport.objects.visible_to(user).defer("content")


def run_whitelist_import(job_id: int) -> WhitelistImport:
    """Check and write one whitelist import (called by the background task)."""
    job = WhitelistImport.objects.select_related("created_by", "employer__sector").get(pk=job_id)
    return run_import_job(job, _run, refused=XlsxRefused, log=log)


def _existing(indexes: list[str]) -> dict[str, int]:
    found: dict[str, int] = {}
    for start in range(0, len(indexes), CHUNK):
        for pk, idx in (
            Person.objects.filter(
                id_number_index__in=indexes[start : start + CHUNK], status=PersonStatus.ACTIVE
            )
            .order_by("-pk")
            .values_list("pk", "id_number_index")
        ):
            found[idx] = pk
    return found


def _active_workers(person_ids: list[int]) -> dict[int, int]:
    """person id -> the employer whose whitelist holds them now."""
    out: dict[int, int] = {}
    for start in range(0, len(person_ids), CHUNK):
        out.update(
            Worker.objects.filter(
                person_id__in=person_ids[start : start + CHUNK], active=True
            ).values_list("person_id", "employer_id")
        )
    return out


def _run(job: WhitelistImport) -> None:
    employer = job.employer
    job.set_progress(status=WhitelistImport.Status.VALIDATING, started_at=timezone.now())
    book, path, header_row, columns = _open(bytes(job.content))
    rows: list[Row] = []
    with book:
        for number, cells in book.rows(path):
            if number <= header_row or not any(v not in (None, "") for v in cells):
                continue
            rows.append(read_row(number, cells, columns, employer))
            if len(rows) > MAX_ROWS:
                raise XlsxRefused(
                    _("At most %(n)d rows in one import.") % {"n": MAX_ROWS}, field="file"
                )
    job.set_progress(total_rows=len(rows))
    # match the registry and the other whitelists, and repeats within the sheet
    index_of = {r.values["id_number"]: blind_index(r.values["id_number"])
                for r in rows if not r.errors}  # fmt: skip
    existing = _existing(sorted(set(index_of.values())))
    holders = _active_workers(sorted(set(existing.values())))
    seen: dict[str, int] = {}
    for r in rows:
        if r.errors:
            continue
        idx = index_of[r.values["id_number"]]
        if idx in seen:
            r.error("id_number", _("Repeats row %(n)d.") % {"n": seen[idx]})
            continue
        seen[idx] = r.number
        pid = existing.get(idx)
        if pid is not None and holders.get(pid, employer.pk) != employer.pk:
            r.error(
                "id_number",
                _("This person is on the whitelist of another employer; that employer must "
                  "take them off first."),
            )  # fmt: skip
    bad = [(r.number, r.errors) for r in rows if r.errors]
    all_or_nothing = job.mode == WhitelistImport.Mode.ALL_OR_NOTHING
    if refuse_bad_rows(job, WhitelistRowError, bad, total=len(rows), all_or_nothing=all_or_nothing):
        return
    good = [r for r in rows if not r.errors]
    job.set_progress(status=WhitelistImport.Status.WRITING)
    with transaction.atomic():
        counts = _write(job, employer, good, index_of, existing, holders)
    job.set_progress(
        status=WhitelistImport.Status.DONE,
        finished_at=timezone.now(),
        message=_("%(c)d workers added, %(m)d already on the whitelist, %(p)d persons newly "
                  "registered, %(b)d bad rows.")
        % {"c": counts["created"], "m": counts["matched"], "p": counts["persons"], "b": len(bad)},
        created_count=counts["created"],
        matched_count=counts["matched"],
        persons_created=counts["persons"],
    )  # fmt: skip


PERSON_COLUMNS = ["id", "area_id", "name", "name_initials", "doc_type", "id_number",
                  "id_number_index", "sex", "birth_date", "phone", "created_by_id"]  # fmt: skip
WORKER_COLUMNS = ["person_id", "employer_id", "sector_id", "area_id", "post", "active",
                  "joined_on", "loop_state", "loop_place", "loop_since", "pass_code",
                  "last_result", "next_due_on", "created_by_id"]  # fmt: skip


def _write(
    job: WhitelistImport,
    employer: Employer,
    rows: list[Row],
    index_of: dict[str, str],
    existing: dict[str, int],
    holders: dict[int, int],
) -> dict[str, int]:
    """Register the new persons and add the workers in bulk (ids reserved up front), with
    one audit row for the import. A person registered here has no sample yet, so their
    worker is due today (``compliance.due_on``) as written; only the workers of persons
    already in the registry are synced from the testing tables."""
    from fangkong.workforce.services.compliance import sync

    by_id = job.created_by_id
    new_rows = [r for r in rows if index_of[r.values["id_number"]] not in existing]
    person_ids = reserve_ids(Person, len(new_rows))
    initials: dict[str, str] = {}
    values = []
    for pk, r in zip(person_ids, new_rows, strict=True):
        v = r.values
        if v["name"] not in initials:
            initials[v["name"]] = pinyin_initials(v["name"])
        values.append((pk, employer.area_id, v["name"], initials[v["name"]], v["doc_type"],
                       v["id_number"], index_of[v["id_number"]], v["sex"] or "U",
                       v["birth_date"], v["phone"], by_id))  # fmt: skip
    BulkInserter(Person, PERSON_COLUMNS).insert(values)
    persons_written(person_ids)  # no save signal: the search index and duplicates learn them
    pid_of = {
        index_of[r.values["id_number"]]: pk for pk, r in zip(person_ids, new_rows, strict=True)
    }
    pid_of.update(existing)
    today = timezone.localdate()
    now = timezone.now()
    workers = []
    matched = 0
    registered = []  # persons already in the registry: they may have samples
    for r in rows:
        idx = index_of[r.values["id_number"]]
        pid = pid_of[idx]
        if idx in existing:
            registered.append(pid)
        if holders.get(pid) == employer.pk:
            matched += 1
            continue
        loop = r.values["in_loop"]
        workers.append((pid, employer.pk, employer.sector_id, employer.area_id, r.values["post"],
                        True, today, LoopState.IN_LOOP if loop else LoopState.NOT_IN_LOOP,
                        r.values["loop_place"] if loop else "", now if loop else None,
                        new_pass_code(), "", today, by_id))  # fmt: skip
    BulkInserter(Worker, WORKER_COLUMNS).insert(workers)
    sync(person_ids=registered)
    audit.record(
        audit.Action.IMPORT,
        job,
        by=job.created_by,
        detail=f"{len(workers)} workers added, {matched} already listed, {len(new_rows)} persons",
        after={"employer": employer.pk, "created": len(workers), "matched": matched,
               "persons_created": len(new_rows), "person_ids": person_ids},
    )  # fmt: skip
    return {"created": len(workers), "matched": matched, "persons": len(new_rows)}
