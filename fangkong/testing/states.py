"""The state machines of the testing pipeline (``core.states``), from the tables in
``choices.py``: tubes, boxes, retest tasks, notifications (case candidates: ``cases``). Every change
of their state goes through them."""

from __future__ import annotations

from django.utils.translation import gettext as _

from fangkong.core.models import IMPORT_TRANSITIONS
from fangkong.core.states import StateMachine
from fangkong.testing.choices import (
    BOX_TRANSITIONS,
    NOTIFICATION_TRANSITIONS,
    RETEST_TRANSITIONS,
    TUBE_TRANSITIONS,
    TubeState,
)
from fangkong.testing.models import (
    Box,
    Notification,
    ResultImportJob,
    RetestTask,
    Tube,
)

TubeMachine = StateMachine(
    Tube.state,
    TUBE_TRANSITIONS,
    describe=lambda tube: _("Tube %(code)s") % {"code": tube.barcode},
    error_field="tube",
)

BoxMachine = StateMachine(
    Box.state,
    BOX_TRANSITIONS,
    describe=lambda box: _("Box %(code)s") % {"code": box.barcode},
    error_field="box",
)

RetestMachine = StateMachine(
    RetestTask.state,
    RETEST_TRANSITIONS,
    describe=lambda task: _("The door-to-door task of %(name)s") % {"name": task.person},
    error_field="task",
)

NotificationMachine = StateMachine(
    Notification.state,
    NOTIFICATION_TRANSITIONS,
    describe=lambda n: _("The notification to %(to)s") % {"to": n.recipient_name or n.pk},
    error_field="notification",
)

ResultImportMachine = StateMachine(
    ResultImportJob.status, IMPORT_TRANSITIONS, describe=str, error_field="job"
)

# A lab receives tubes from the states its table lets become received.
RECEIVABLE = TubeMachine.sources(TubeState.RECEIVED)
