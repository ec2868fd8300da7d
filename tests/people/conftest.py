"""Helpers for the people registry's tests: spreadsheets built in memory."""

from __future__ import annotations

import io

import pytest
from openpyxl import Workbook

from fangkong.people.sheet import HEADERS


def xlsx(rows, headers=HEADERS) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.append(list(headers))
    for r in rows:
        ws.append(list(r))
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def row(
    name="王五",
    id_number="",
    area="500242002001",
    *,
    doc_type="",
    sex="",
    birth="",
    phone="",
    address="",
    floor="",
    categories="",
    notes="",
):
    """One sheet row in the template's column order."""
    return [name, doc_type, id_number, sex, birth, phone, area, address, floor, categories, notes]


@pytest.fixture
def sheet():
    return xlsx
