"""Meta-tests of the one state-machine mechanism (core.states):

- every model of ours with a state field (named status or state, or ending so, with
  choices) has a machine declared for it, whose table covers exactly the field's choices;
- no code assigns a state directly (``obj.status = ...``) but the machine itself;
- no state is written as a literal (``status="active"``, ``state == 'open'``, ``SET state
  = 'closed'``) outside ``choices.py``: code and templates name the ``TextChoices`` members.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.apps import apps

from fangkong.core.states import machines

ROOT = Path(__file__).resolve().parent.parent / "fangkong"
STATE_NAME = re.compile(r"(^|_)(status|state)$")

# Assignments to an attribute called state or status that are no model state field's.
NOT_A_MODEL_STATE = {
    # django-tasks' own result model (a third-party table) marked failed by our retry hook
    "core/services/tasks.py": "result.status = ",
    # the sampling page's scanning state kept in the session
    "testing/views.py": "self.state = ",
}


def _state_fields():
    for model in apps.get_models():
        if not model.__module__.startswith("fangkong."):
            continue
        for field in model._meta.concrete_fields:
            if field.choices and STATE_NAME.search(field.name):
                yield model, field


def test_the_scan_finds_the_state_fields_we_know():
    found = {(m._meta.label_lower, f.name) for m, f in _state_fields()}
    assert {("sites.room", "state"), ("control.controlphase", "status")} <= found
    assert ("testing.tube", "state") in found and ("testing.tube", "kind") not in found


@pytest.mark.parametrize(
    "model,field", list(_state_fields()), ids=lambda x: getattr(x, "name", str(x))
)
def test_every_state_field_has_its_machine(model, field):
    declared = {(m.model._meta.label_lower, m.field.name): m for m in machines()}
    machine = declared.get((model._meta.label_lower, field.name))
    assert machine is not None, (
        f"{model._meta.label}.{field.name} has no state machine: declare one in "
        f"{model._meta.app_label}/states.py (docs/development/adding-a-model.md)"
    )
    assert set(machine.table) == {str(v) for v, _label in field.choices}


def _python_files():
    for path in sorted(ROOT.rglob("*.py")):
        rel = path.relative_to(ROOT).as_posix()
        if "/migrations/" in rel or rel.endswith("choices.py") or rel == "core/states.py":
            continue
        yield rel, path.read_text(encoding="utf-8")


ASSIGN = re.compile(r"^\s*\w+\.(status|state)\s*(,\s*\w+\.\w+\s*)*=(?!=)")
LITERAL = re.compile(
    r"""\b(status|state)(__in)?\s*(==|!=|=)\s*["'][a-z_]+["']"""  # status="active", == 'open'
    r"""|\b(status|state)\s*=\s*'[a-z_]+'"""  # inside SQL text: SET state = 'closed'
)


def test_no_code_assigns_a_state_but_its_machine():
    found = []
    for rel, text in _python_files():
        for n, line in enumerate(text.splitlines(), 1):
            if ASSIGN.search(line) and NOT_A_MODEL_STATE.get(rel, "\0") not in line:
                found.append(f"{rel}:{n}: {line.strip()}")
    assert not found, "assign states through their machine (core.states):\n" + "\n".join(found)


def test_no_state_is_written_as_a_literal():
    found = []
    for rel, text in _python_files():
        for n, line in enumerate(text.splitlines(), 1):
            if LITERAL.search(line):
                found.append(f"{rel}:{n}: {line.strip()}")
    for path in sorted(ROOT.rglob("templates/**/*.html")):
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if re.search(r"\.(status|state)\s*(==|!=)\s*[\"']", line):
                found.append(f"{path.relative_to(ROOT)}:{n}: {line.strip()}")
    assert not found, "name the TextChoices member (states.X.Y in templates):\n" + "\n".join(found)


def test_the_checks_above_would_see_a_violation():
    assert ASSIGN.search("    room.state = 'ready'")
    assert ASSIGN.search("n.state, n.error = NotificationState.FAILED, ''")
    assert not ASSIGN.search("if room.state == RoomState.READY:")
    assert LITERAL.search('qs.filter(status="active")')
    assert LITERAL.search("WHERE c.person_id = p.id AND c.status = 'active'")
    assert not LITERAL.search("qs.filter(status=EpisodeStatus.ACTIVE)")
