"""Every model read through ``visible_to`` (area scoping) must have a scoping test.

A model counts as tested when some test module under tests/ names it (as a word) and also
uses ``visible_to`` or the access checker's ``other_area``. A new scoped model without such a
test turns this red, so scoping is never left to chance.
"""

from __future__ import annotations

import re
from pathlib import Path
from types import SimpleNamespace

from django.apps import apps

TESTS = Path(__file__).resolve().parent
SCOPING_WORDS = ("visible_to", "other_area")


def scoped_models():
    return sorted(
        (m for m in apps.get_models() if hasattr(m._default_manager, "visible_to")),
        key=lambda m: m._meta.label,
    )


def all_test_modules():
    me = Path(__file__).resolve()
    for path in TESTS.rglob("test_*.py"):
        if path.resolve() != me:
            yield path, path.read_text(encoding="utf-8")


def untested(models, modules) -> list[str]:
    texts = [text for _path, text in modules if any(w in text for w in SCOPING_WORDS)]
    missing = []
    for model in models:
        name = re.compile(rf"\b{re.escape(model.__name__)}\b")
        if not any(name.search(text) for text in texts):
            missing.append(model._meta.label)
    return missing


def test_the_platform_has_scoped_models():
    labels = {m._meta.label for m in scoped_models()}
    assert {"people.Person", "people.Household", "core.TimelineEvent"} <= labels


def test_every_scoped_model_has_a_scoping_test():
    missing = untested(scoped_models(), list(all_test_modules()))
    assert not missing, (
        "These models are read through visible_to() but no test under tests/ checks their "
        "scoping (name the model in a test that uses visible_to or access.check(..., "
        f"other_area=...)): {', '.join(missing)}"
    )


def test_the_meta_test_catches_a_model_without_a_test():
    fake = SimpleNamespace(
        __name__="QuarantineHotelRoom", _meta=SimpleNamespace(label="sites.QuarantineHotelRoom")
    )
    modules = [(Path("test_x.py"), "Person.objects.visible_to(user)")]
    assert untested([fake], modules) == ["sites.QuarantineHotelRoom"]
    # a module naming the model but testing no scoping does not count either
    modules = [(Path("test_y.py"), "QuarantineHotelRoom.objects.all()")]
    assert untested([fake], modules) == ["sites.QuarantineHotelRoom"]
    # a prefix of another name does not count
    modules = [(Path("test_z.py"), "QuarantineHotelRoomFactory visible_to")]
    assert untested([fake], modules) == ["sites.QuarantineHotelRoom"]
    modules = [(Path("test_ok.py"), "QuarantineHotelRoom ... other_area=['township_b']")]
    assert untested([fake], modules) == []
