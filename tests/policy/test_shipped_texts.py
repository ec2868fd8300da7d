"""The shipped rule sets read in Chinese: every English text of policy_data/*.json is in the
catalogue (policy/shipped_texts.py) with its translation, and pages name a rule set by its
label, never its code."""

from __future__ import annotations

import re

import pytest
from django.utils import translation

from fangkong.policy.loader import DATA_DIR, SHIPPED_FILES, read_file
from fangkong.policy.models import RuleSet
from fangkong.policy.shipped_texts import TEXTS

LATIN_WORD = re.compile(r"[A-Za-z]{3,}")


def shipped_texts() -> list[str]:
    out = []
    for name in SHIPPED_FILES:
        data = read_file(DATA_DIR / name)
        out += [data.get(k) or "" for k in ("name", "source", "notes")]
        out += [r.get("notes") or "" for r in data["rules"]]
    return [t for t in out if LATIN_WORD.search(t)]


def test_every_english_text_of_the_shipped_files_is_in_the_catalogue():
    missing = [t for t in shipped_texts() if t not in TEXTS]
    assert missing == []
    with translation.override("zh-hans"):
        untranslated = [t for t in TEXTS if translation.gettext(t) == t]
    assert untranslated == []
    assert not any("FACTS.md" in t for t in shipped_texts())  # no design file on screen


@pytest.mark.django_db
def test_a_rule_set_is_named_in_the_users_language(users, login, settings):
    rs = RuleSet.objects.get(code="cn-20-measures")
    with translation.override("zh-hans"):
        assert rs.label().startswith("二十条")
    with translation.override("en"):
        assert rs.label().startswith("The 20 measures")
    settings.LANGUAGE_CODE = "zh-hans"
    html = login(users["county"]).get(f"/policy/{rs.pk}/").content.decode()
    assert "二十条" in html and "集中隔离5天" in html
    assert "table in shared" not in html
