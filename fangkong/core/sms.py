"""The SMS gateway behind a small interface: a file outbox for the embedded default, the
console for development, a recording double for tests. Nothing here reaches the network;
a real operator's gateway is another class with ``send``.

A message names the persons it concerns; the embedded gateways send it nowhere, so they
keep no copy of it: the outbox file and the log get the time, the masked number and the
message's length only."""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Protocol

from django.conf import settings
from django.utils import timezone
from django.utils.module_loading import import_string

from fangkong.core.pii import mask_phone

log = logging.getLogger("fangkong.sms")


class SmsGateway(Protocol):
    def send(self, phone: str, message: str) -> None: ...


class ConsoleGateway:
    def send(self, phone: str, message: str) -> None:
        log.info("sms", extra={"to": mask_phone(phone), "chars": len(message)})


class FileGateway:
    """Appends a JSON line per message to ``var/sms-outbox.jsonl``: when, to whom (masked)
    and how long; not the text nor the full number."""

    def __init__(self, path: Path | None = None):
        self.path = path or Path(settings.VAR_DIR) / "sms-outbox.jsonl"

    def send(self, phone: str, message: str) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        line = {"at": timezone.now().isoformat(), "to": mask_phone(phone), "chars": len(message)}
        with self.path.open("a", encoding="utf-8") as f:
            f.write(json.dumps(line, ensure_ascii=False) + "\n")


class RecordingGateway:
    """Keeps what it was asked to send (tests)."""

    def __init__(self, fail: bool = False):
        self.sent: list[tuple[str, str]] = []
        self.fail = fail

    def send(self, phone: str, message: str) -> None:
        if self.fail:
            raise ConnectionError("gateway down")
        self.sent.append((phone, message))


_override: SmsGateway | None = None


def set_gateway(gateway: SmsGateway | None) -> None:
    global _override
    _override = gateway


def get_gateway() -> SmsGateway:
    if _override is not None:
        return _override
    path = getattr(settings, "FANGKONG_SMS_GATEWAY", "fangkong.core.sms.FileGateway")
    return import_string(path)()
