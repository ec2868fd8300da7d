"""Platform models: users and their roles and areas, the change log, the domain timeline,
API tokens. Domain apps build on ``BaseModel`` and ``ScopedManager``."""

from __future__ import annotations

from functools import cached_property
from typing import Any

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext_lazy as _

from fangkong.core.pii import EncryptedBinaryField
from fangkong.core.roles import Role, roles_with
from fangkong.core.scoping import ScopedManager, fold


class User(AbstractUser):
    """An account. Roles and areas are what it may do and where."""

    display_name = models.CharField(_("display name"), max_length=60, blank=True)
    phone = models.CharField(_("work phone"), max_length=20, blank=True)
    areas = models.ManyToManyField(
        "areas.Area", verbose_name=_("areas"), blank=True, related_name="users"
    )

    # Accounts are managed by the system administrator (permission-checked), county-wide.
    scope_field = None

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")

    def __str__(self) -> str:
        return self.display_name or self.username

    @cached_property
    def role_codes(self) -> frozenset[str]:
        return frozenset(self.role_set.values_list("role", flat=True))

    @cached_property
    def area_paths(self) -> tuple[str, ...]:
        """Tree paths of the user's areas, nested ones folded into their ancestor."""
        return fold(self.areas.values_list("path", flat=True))

    def has_role(self, *roles: str) -> bool:
        return bool(self.role_codes.intersection(roles))

    def can(self, action: str) -> bool:
        return self.is_active and bool(self.role_codes & roles_with(action))

    def role_labels(self) -> list[str]:
        return [str(Role(r).label) for r in sorted(self.role_codes) if r in Role.values]


class UserRole(models.Model):
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="role_set")
    role = models.CharField(_("role"), max_length=32, choices=Role.choices)

    class Meta:
        verbose_name = _("user role")
        verbose_name_plural = _("user roles")
        constraints = [models.UniqueConstraint(fields=["user", "role"], name="uniq_user_role")]

    def __str__(self) -> str:
        return f"{self.user}: {self.get_role_display()}"


class BaseModel(models.Model):
    """Timestamps and author, for every domain record."""

    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        abstract = True


class ImportStatus(models.TextChoices):
    """Where a background import stands."""

    PENDING = "pending", _("Waiting")
    VALIDATING = "validating", _("Checking rows")
    WRITING = "writing", _("Writing")
    DONE = "done", _("Done")
    REJECTED = "rejected", _("Rejected: nothing imported")
    FAILED = "failed", _("Failed")


_I = ImportStatus
# A job's status is progress: a run may start again after a failure or beside another run
# (validating, writing again), and a done or rejected job is finished for good.
IMPORT_TRANSITIONS: dict[str, frozenset[str]] = {
    _I.PENDING: frozenset({_I.VALIDATING, _I.WRITING, _I.REJECTED, _I.FAILED}),
    _I.VALIDATING: frozenset({_I.VALIDATING, _I.WRITING, _I.REJECTED, _I.FAILED}),
    _I.WRITING: frozenset({_I.WRITING, _I.VALIDATING, _I.DONE, _I.REJECTED, _I.FAILED}),
    _I.FAILED: frozenset({_I.VALIDATING, _I.WRITING, _I.REJECTED, _I.FAILED}),
    _I.DONE: frozenset(),
    _I.REJECTED: frozenset(),
}


class ProgressMixin:
    """A background job's progress, written as it goes."""

    pk: Any
    status: str

    def on_status(self, fields: dict[str, Any]) -> None:
        """Add to ``fields`` what a new status brings (nothing by default)."""

    def set_progress(self, **fields: Any) -> None:
        """Write ``fields`` at once with a plain UPDATE (committed unless inside a
        transaction), so the job's page, polled from another connection, sees them. A new
        ``status`` is a move of the job's machine."""
        from fangkong.core.states import machine_for

        if "status" in fields:
            machine_for(type(self), "status").move(self, fields.pop("status"))  # type: ignore[arg-type]
            fields["status"] = self.status
            self.on_status(fields)
        for k, v in fields.items():
            setattr(self, k, v)
        type(self)._default_manager.filter(pk=self.pk).update(**fields)  # type: ignore[attr-defined]


class ImportJobBase(ProgressMixin, BaseModel):
    """An uploaded file worked through in the background: what every import job shares
    (the file, its status and row counts, the uploader's language for the job's messages).
    Each app adds its own counts and a row-error model built on ``ImportRowErrorBase``.

    The file is personal data: it is stored encrypted while the job waits and is deleted
    when the job ends (done, rejected, or failed for good); its counts, message and row
    errors stay. A job that resumes after a failure (``resumes_after_failure``) keeps its
    file until its last attempt has failed (``drop_file``)."""

    Status = ImportStatus
    resumes_after_failure = False

    filename = models.CharField(_("file name"), max_length=200)
    content = EncryptedBinaryField(_("file"), blank=True)
    status = models.CharField(
        _("status"), max_length=12, choices=ImportStatus.choices, default=ImportStatus.PENDING
    )
    language = models.CharField(max_length=10, default="zh-hans")
    total_rows = models.PositiveIntegerField(_("rows"), default=0)
    processed_rows = models.PositiveIntegerField(_("rows checked"), default=0)
    error_count = models.PositiveIntegerField(_("bad rows"), default=0)
    message = models.CharField(_("message"), max_length=500, blank=True)
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return self.filename

    @property
    def finished(self) -> bool:
        return self.status in {ImportStatus.DONE, ImportStatus.REJECTED, ImportStatus.FAILED}

    @property
    def percent(self) -> int:
        if not self.total_rows:
            return 100 if self.finished else 0
        return min(100, round(100 * self.processed_rows / self.total_rows))

    def on_status(self, fields: dict[str, Any]) -> None:
        ends = {ImportStatus.DONE, ImportStatus.REJECTED}
        if not self.resumes_after_failure:
            ends.add(ImportStatus.FAILED)
        if fields["status"] in ends:
            fields["content"] = b""  # its use is over: no copy of the file outlives the job

    @classmethod
    def drop_file(cls, pk: Any) -> None:
        """Delete the job's file (its last attempt failed; nothing will read it again)."""
        cls._base_manager.filter(pk=pk).update(content=b"")


class ImportRowErrorBase(models.Model):
    """One reason one row of an import was refused: row number, column, reason."""

    row = models.PositiveIntegerField(_("row"))
    field = models.CharField(_("column"), max_length=40, blank=True)
    message = models.CharField(_("reason"), max_length=300)

    class Meta:
        abstract = True
        ordering = ["row", "id"]

    def __str__(self) -> str:
        return f"{self.row} {self.field}: {self.message}"


class ExportStatus(models.TextChoices):
    """Where a background export stands."""

    PENDING = "pending", _("Waiting")
    RUNNING = "running", _("Writing rows")
    DONE = "done", _("Ready")
    FAILED = "failed", _("Failed")
    EXPIRED = "expired", _("Expired")


_E = ExportStatus
# A worker lost half-way runs the job again from the start (running -> running); a ready
# file expires; a failed or expired job is over.
EXPORT_TRANSITIONS: dict[str, frozenset[str]] = {
    _E.PENDING: frozenset({_E.RUNNING, _E.FAILED}),
    _E.RUNNING: frozenset({_E.RUNNING, _E.DONE, _E.FAILED}),
    _E.DONE: frozenset({_E.EXPIRED}),
    _E.FAILED: frozenset(),
    _E.EXPIRED: frozenset(),
}
EXPORT_ACTIVE = (ExportStatus.PENDING, ExportStatus.RUNNING)


class ExportJobQuerySet(models.QuerySet):
    def visible_to(self, user: Any) -> ExportJobQuerySet:
        """A user follows and downloads the exports they asked for, and no one else's."""
        from fangkong.core.scoping import mark_visible

        if user is None or not user.is_authenticated or not user.is_active:
            return mark_visible(self.none(), user)
        return mark_visible(self.filter(created_by=user), user)


class ExportJob(ProgressMixin, BaseModel):
    """A list too long to stream, written to a file by the worker (``core.services.exports``).

    What to export is kept as the list page asked for (its path and query) with the asker's
    areas at that moment (``scope``): the worker rebuilds the same list, scoped to exactly
    those areas, masked as the page would. The file lies under the var dir with a random
    name, for its asker only, until ``expires_at``; the periodic purge deletes it."""

    Status = ExportStatus

    key = models.CharField(max_length=64, db_index=True)  # the same export asked again
    title = models.CharField(_("title"), max_length=200)
    filename = models.CharField(_("file name"), max_length=200)
    path = models.CharField(max_length=300)
    query = models.TextField(blank=True)
    full = models.BooleanField(_("unmasked"), default=False)
    permission = models.CharField(max_length=60)
    scope = models.JSONField(default=list)
    language = models.CharField(max_length=10, default="zh-hans")
    status = models.CharField(
        _("status"), max_length=10, choices=ExportStatus.choices, default=ExportStatus.PENDING
    )
    total_rows = models.PositiveIntegerField(_("rows"), default=0)
    written_rows = models.PositiveIntegerField(_("rows written"), default=0)
    file_token = models.CharField(max_length=64, blank=True)
    size = models.PositiveBigIntegerField(_("size"), default=0)
    message = models.CharField(_("message"), max_length=500, blank=True)
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    expires_at = models.DateTimeField(_("expires at"), null=True, blank=True)

    objects = ExportJobQuerySet.as_manager()

    class Meta:
        verbose_name = _("export job")
        verbose_name_plural = _("export jobs")
        ordering = ["-created_at", "-id"]
        constraints = [
            # one running copy of the same export: a second request joins the first
            models.UniqueConstraint(
                fields=["key"],
                condition=models.Q(status__in=EXPORT_ACTIVE),
                name="uniq_running_export",
            )
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("export_detail", args=[self.pk])

    @property
    def finished(self) -> bool:
        return self.status not in EXPORT_ACTIVE

    @property
    def percent(self) -> int:
        if not self.total_rows:
            return 100 if self.finished else 0
        return min(100, round(100 * self.written_rows / self.total_rows))


class AppendOnlyQuerySet(models.QuerySet):
    def update(self, **kwargs: Any) -> int:
        raise PermissionError("the audit log is append-only")

    def delete(self) -> tuple[int, dict[str, int]]:
        raise PermissionError("the audit log is append-only")


class AuditLog(models.Model):
    """One write, reveal, export or sign-in: who, when, what, before and after."""

    class Action(models.TextChoices):
        CREATE = "create", _("Create")
        UPDATE = "update", _("Update")
        DELETE = "delete", _("Delete")
        REVEAL = "reveal", _("Reveal personal data")
        EXPORT = "export", _("Export")
        IMPORT = "import", _("Import")
        MERGE = "merge", _("Merge")
        LOGIN = "login", _("Sign in")
        LOGIN_FAILED = "login_failed", _("Failed sign-in")
        LOGOUT = "logout", _("Sign out")
        PURGE = "purge", _("Purge personal data")
        ROTATE_KEYS = "rotate_keys", _("Rotate keys")

    at = models.DateTimeField(_("time"), auto_now_add=True, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("actor"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_index=True,
    )
    actor_name = models.CharField(_("actor name"), max_length=150, blank=True)
    action = models.CharField(_("action"), max_length=20, choices=Action.choices, db_index=True)
    object_type = models.CharField(_("object type"), max_length=60, blank=True, db_index=True)
    object_id = models.CharField(_("object id"), max_length=40, blank=True, db_index=True)
    object_repr = models.CharField(_("object"), max_length=200, blank=True)
    before = models.JSONField(_("before"), null=True, blank=True)
    after = models.JSONField(_("after"), null=True, blank=True)
    detail = models.CharField(_("detail"), max_length=500, blank=True)
    request_id = models.CharField(_("request id"), max_length=64, blank=True)

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        verbose_name = _("audit log entry")
        verbose_name_plural = _("audit log")
        ordering = ["-at", "-id"]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor_name} {self.action} {self.object_repr}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None:
            raise PermissionError("the audit log is append-only")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any):
        raise PermissionError("the audit log is append-only")


class AuditRedaction(models.Model):
    """While a row of this table exists in a transaction, the database lets that
    transaction rewrite the texts of audit rows (``object_repr``, ``before``, ``after``,
    ``detail``), never who, when, what or which object, and never delete one: the purge of
    personal data past retention (``core.redact``) inserts it, rewrites, and deletes it
    before committing, so no other transaction ever sees it."""

    started_at = models.DateTimeField(auto_now_add=True)
    reason = models.CharField(max_length=200)

    class Meta:
        verbose_name = _("audit redaction")
        verbose_name_plural = _("audit redactions")

    def __str__(self) -> str:
        return self.reason


class TimelineEvent(models.Model):
    """A typed domain event on a person, household or room: what an operator reads."""

    at = models.DateTimeField(_("time"), db_index=True)
    subject_type = models.CharField(_("subject type"), max_length=60)
    subject_id = models.BigIntegerField(_("subject id"))
    kind = models.CharField(_("event"), max_length=40)
    summary = models.CharField(_("summary"), max_length=300, blank=True)
    data = models.JSONField(_("data"), default=dict, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    area = models.ForeignKey(
        "areas.Area", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    objects = ScopedManager()
    scope_field = "area"

    class Meta:
        verbose_name = _("timeline event")
        verbose_name_plural = _("timeline events")
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["subject_type", "subject_id", "-at"])]

    def __str__(self) -> str:
        return f"{self.kind} {self.summary}"


class ApiToken(models.Model):
    """A personal API token. Only its hash is stored; the token is shown once."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens"
    )
    name = models.CharField(_("name"), max_length=80)
    prefix = models.CharField(_("prefix"), max_length=12)
    key_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    expires_at = models.DateTimeField(_("expires at"), null=True, blank=True)
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"


class Notice(models.Model):
    """A notification inside the application: a line under the user's bell, unread until
    opened. Written by ``core.notifications.notify``; the text names no person beyond what
    the recipient may already see, since it outlives the page it points to."""

    user = models.ForeignKey(
        User, verbose_name=_("recipient"), on_delete=models.CASCADE, related_name="notices"
    )
    kind = models.CharField(_("kind"), max_length=40)
    title = models.CharField(_("title"), max_length=200)
    url = models.CharField(_("link"), max_length=300, blank=True)
    area = models.ForeignKey(
        "areas.Area", verbose_name=_("area"), null=True, blank=True,
        on_delete=models.SET_NULL, related_name="+",
    )  # fmt: skip
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)

    scope_field = None  # a user's own notices: read through ``user``, never by area

    class Meta:
        verbose_name = _("notice (站内通知)")
        verbose_name_plural = _("notices (站内通知)")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["user", "read_at"])]

    def __str__(self) -> str:
        return self.title


class RateCount(models.Model):
    """One user's (or client address's) count of one action in one window of
    ``core.ratelimit``, on PostgreSQL: one row per key, counted by one statement that every
    web process and machine shares."""

    key = models.CharField(_("key"), max_length=200, primary_key=True)
    count = models.IntegerField(_("count"), default=0)
    expires_at = models.DateTimeField(_("expires at"), db_index=True)

    scope_field = None  # bookkeeping: no one's data

    class Meta:
        verbose_name = _("rate-limit count")
        verbose_name_plural = _("rate-limit counts")

    def __str__(self) -> str:
        return f"{self.key}: {self.count}"


class Generation(models.Model):
    """A counter bumped after each change to a kind of data (``core.counts``): cached
    figures computed from that data are keyed by it, so a change retires them everywhere,
    in every web process, at once."""

    name = models.CharField(_("name"), max_length=60, primary_key=True)
    value = models.BigIntegerField(_("value"), default=0)

    scope_field = None  # bookkeeping: no one's data

    class Meta:
        verbose_name = _("data generation")
        verbose_name_plural = _("data generations")

    def __str__(self) -> str:
        return f"{self.name}: {self.value}"
