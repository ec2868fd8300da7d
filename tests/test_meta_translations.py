"""The Chinese interface: every string translated, and the same English word in two
meanings told apart."""

import polib
from django.conf import settings
from django.utils import translation

from fangkong.cases.choices import CandidateState
from fangkong.testing.choices import TubeState

PO = settings.BASE_DIR / "fangkong" / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"


def test_every_string_of_the_interface_has_a_chinese_translation():
    po = polib.pofile(str(PO))
    missing = [e.msgid for e in po if not e.obsolete and (not e.translated() or e.fuzzy)]
    assert missing == []


def test_an_open_tube_and_an_open_case_candidate_read_differently_in_chinese():
    with translation.override("zh-hans"):
        assert str(TubeState.OPEN.label) == "采集中"
        assert str(CandidateState.OPEN.label) == "待处理"
    with translation.override("en"):
        assert str(TubeState.OPEN.label) == str(CandidateState.OPEN.label) == "Open"


def test_the_compiled_catalogue_holds_every_translation_of_the_po_file():
    # a .po that msgfmt refuses leaves the old .mo in place: the screen then shows English
    # for every string added since (the resident portal did, after a merge)
    mo = {(e.msgctxt, e.msgid): e.msgstr for e in polib.mofile(str(PO.with_suffix(".mo")))}
    stale = [
        e.msgid
        for e in polib.pofile(str(PO)).translated_entries()
        if not e.msgid_plural and mo.get((e.msgctxt, e.msgid)) != e.msgstr
    ]
    assert stale == []
