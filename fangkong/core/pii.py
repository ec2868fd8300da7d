"""Personal data at rest: encryption, blind indexes and masking.

Values are encrypted with AES-256-GCM under a key named in the ciphertext
(``v1:<key id>:<base64 nonce+ciphertext>``), so keys can be rotated without a flag day:
old ciphertexts stay readable until ``fangkong rotate_keys`` re-encrypts them. Exact lookup
goes through a keyed HMAC-SHA256 of the normalised value (the blind index), so the
database never needs the plain value to find a person by ID number or phone.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import json
import os
import secrets
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import models

if TYPE_CHECKING:
    from fangkong.core.actors import MaybeActor

PREFIX = "v1"


@dataclass(frozen=True)
class Keyring:
    keys: dict[str, bytes]  # key id -> 32-byte AES key
    current: str
    index_key: bytes

    def to_json(self) -> str:
        return json.dumps(
            {
                "current": self.current,
                "keys": {k: base64.b64encode(v).decode() for k, v in self.keys.items()},
                "index_key": base64.b64encode(self.index_key).decode(),
            },
            indent=2,
        )

    @classmethod
    def from_json(cls, text: str) -> Keyring:
        data = json.loads(text)
        keys = {k: base64.b64decode(v) for k, v in data["keys"].items()}
        ring = cls(
            keys=keys, current=data["current"], index_key=base64.b64decode(data["index_key"])
        )
        if ring.current not in ring.keys or any(len(k) != 32 for k in keys.values()):
            raise ImproperlyConfigured("PII keyring: current key missing or a key is not 32 bytes")
        if len(ring.index_key) < 32:
            raise ImproperlyConfigured("PII keyring: index_key must be at least 32 bytes")
        return ring

    @classmethod
    def generate(cls) -> Keyring:
        return cls(
            keys={"k1": AESGCM.generate_key(bit_length=256)},
            current="k1",
            index_key=secrets.token_bytes(32),
        )

    def with_new_key(self) -> Keyring:
        n = 1 + max(int(k[1:]) for k in self.keys if k[1:].isdigit())
        kid = f"k{n}"
        return Keyring(
            keys={**self.keys, kid: AESGCM.generate_key(bit_length=256)},
            current=kid,
            index_key=self.index_key,
        )


_lock = threading.Lock()
_ring: Keyring | None = None


def keyring() -> Keyring:
    """The keyring from FANGKONG_PII_KEYS, else the key file (generated on first use)."""
    global _ring
    if _ring is not None:
        return _ring
    with _lock:
        if _ring is None:
            if text := os.environ.get("FANGKONG_PII_KEYS"):
                _ring = Keyring.from_json(text)
            else:
                _ring = _load_or_create(Path(settings.FANGKONG_PII_KEY_FILE))
    return _ring


def _load_or_create(path: Path) -> Keyring:
    if path.exists():
        return Keyring.from_json(path.read_text())
    if getattr(settings, "PRODUCTION", False):
        raise ImproperlyConfigured(
            "No PII keys: set FANGKONG_PII_KEYS or FANGKONG_PII_KEY_FILE (docs/deployment.md)"
        )
    ring = Keyring.generate()
    save_keyring(ring, path)
    return ring


def save_keyring(ring: Keyring, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as fh:
        fh.write(ring.to_json())
    os.replace(tmp, path)


def set_keyring(ring: Keyring | None) -> None:
    """Replace the process's keyring (key rotation, tests)."""
    global _ring
    _ring = ring
    _aead_cache.clear()


_aead_cache: dict[str, AESGCM] = {}


def _aead(kid: str) -> AESGCM:
    aead = _aead_cache.get(kid)
    if aead is None:
        aead = _aead_cache[kid] = AESGCM(keyring().keys[kid])
    return aead


def encrypt(plain: str) -> str:
    ring = keyring()
    nonce = os.urandom(12)
    ct = _aead(ring.current).encrypt(nonce, plain.encode(), None)
    return f"{PREFIX}:{ring.current}:{base64.b64encode(nonce + ct).decode()}"


def decrypt(token: str) -> str:
    prefix, kid, body = token.split(":", 2)
    if prefix != PREFIX:
        raise ValueError("unknown ciphertext format")
    raw = base64.b64decode(body)
    return _aead(kid).decrypt(raw[:12], raw[12:], None).decode()


def key_id_of(token: str) -> str:
    return token.split(":", 2)[1]


def encrypt_bytes(plain: bytes) -> bytes:
    """A file's bytes encrypted like ``encrypt`` (``v1:<key id>:`` then nonce and
    ciphertext, raw): an uploaded workbook waiting for its job is not readable at rest."""
    ring = keyring()
    nonce = os.urandom(12)
    ct = _aead(ring.current).encrypt(nonce, plain, None)
    return f"{PREFIX}:{ring.current}:".encode() + nonce + ct


def decrypt_bytes(blob: bytes) -> bytes:
    prefix, kid, raw = bytes(blob).split(b":", 2)
    if prefix.decode() != PREFIX:
        raise ValueError("unknown ciphertext format")
    return _aead(kid.decode()).decrypt(raw[:12], raw[12:], None)


def normalise(value: str) -> str:
    return "".join(value.split()).upper()


def blind_index(value: str | None) -> str:
    """Keyed hash of the normalised value: equal inputs match, nothing can be read back."""
    if not value:
        return ""
    return hmac.new(keyring().index_key, normalise(value).encode(), hashlib.sha256).hexdigest()


# --- masking ---------------------------------------------------------------------------------
# A mask is judged with everything else a response shows (docs/operators-guide.md, "What a
# masked value hides"). A resident ID number is area code (6) + birth date (8) + sequence
# (3, its last digit's parity is the sex) + check character. The area code is as good as
# known (the person's area), and a role that may reveal also sees the birth date, so the
# mask keeps the area code only: the sequence and the check character stay hidden, which
# leaves 500 numbers beside a full birth date and sex, and some 180,000 beside the birth
# year shown to roles that may not reveal. Other documents and phones keep a short head
# and tail but always hide at least MIN_HIDDEN characters (10,000 candidates at least).
MIN_HIDDEN = 4


def _keep(value: str, head: int, tail: int) -> str:
    """``value`` with all but ``head`` leading and ``tail`` trailing characters starred,
    hiding at least MIN_HIDDEN characters (a short value keeps less of its tail, then head)."""
    shown = max(0, len(value) - MIN_HIDDEN)
    tail = min(tail, max(0, shown - head))
    head = min(head, shown - tail)
    return value[:head] + "*" * (len(value) - head - tail) + (value[-tail:] if tail else "")


def mask_id_number(value: str | None) -> str:
    if not value:
        return ""
    if len(value) in (15, 18) and value[:6].isdigit():
        return value[:6] + "*" * (len(value) - 6)  # a resident ID: its area code only
    return _keep(value, 2, 2)


def mask_phone(value: str | None) -> str:
    if not value:
        return ""
    return _keep(value, 3, 4)


def may_reveal(user: MaybeActor) -> bool:
    """Whether ``user``'s roles may see personal data in full (after a logged reveal) and
    therefore the birth date; other roles see the birth year (which, unlike an age, does
    not narrow the birthday down to the day it changes)."""
    return user is not None and user.is_authenticated and user.can("pii.reveal")


def shown_birth(birth: dt.date | None, user: MaybeActor) -> dt.date | int | None:
    """The birth date as ``user`` may see it: the date, or only its year."""
    if birth is None:
        return None
    return birth if may_reveal(user) else birth.year


MASKERS = {"id_number": mask_id_number, "phone": mask_phone}


# --- model fields ----------------------------------------------------------------------------
class EncryptedTextField(models.TextField):
    """Stores a string encrypted; reads give the plain value back.

    ``kind`` names the masking rule ("id_number" or "phone"). Never filter on this field:
    filter on its blind index.
    """

    def __init__(self, *args, kind: str = "id_number", **kwargs):
        self.kind = kind
        kwargs.setdefault("blank", True)
        kwargs.setdefault("default", "")
        super().__init__(*args, **kwargs)

    def deconstruct(self):
        name, path, args, kwargs = super().deconstruct()
        kwargs["kind"] = self.kind
        return name, path, args, kwargs

    def from_db_value(self, value, expression, connection):
        if not value:
            return ""
        return decrypt(value)

    def get_prep_value(self, value):
        value = super().get_prep_value(value)
        if not value:
            return ""
        return encrypt(value)

    def mask(self, value: str | None) -> str:
        return MASKERS[self.kind](value)


def masked(obj: models.Model, name: str) -> str:
    """The value of ``obj``'s encrypted field ``name``, masked by the field's rule."""
    field = obj._meta.get_field(name)
    if not isinstance(field, EncryptedTextField):
        raise TypeError(f"{type(obj).__name__}.{name} is not an EncryptedTextField")
    return field.mask(getattr(obj, name))


class EncryptedBinaryField(models.BinaryField):
    """Bytes stored encrypted (``encrypt_bytes``); reads give the plain bytes back, and
    ``fangkong rotate_keys`` re-encrypts them with the other personal data."""

    def from_db_value(self, value, expression, connection):
        if not value:
            return b""
        return decrypt_bytes(value)

    def get_prep_value(self, value):
        value = super().get_prep_value(value)
        if not value:
            return b""
        return encrypt_bytes(bytes(value))


class BlindIndexField(models.CharField):
    """HMAC of another field's value, filled in on every save (and bulk_create)."""

    def __init__(self, *args, source: str = "", **kwargs):
        self.source = source
        kwargs.setdefault("max_length", 64)
        kwargs.setdefault("blank", True)
        kwargs.setdefault("default", "")
        kwargs.setdefault("editable", False)
        kwargs.setdefault("db_index", True)
        super().__init__(*args, **kwargs)

    def deconstruct(self):
        name, path, args, kwargs = super().deconstruct()
        kwargs["source"] = self.source
        return name, path, args, kwargs

    def pre_save(self, model_instance, add):
        value = blind_index(getattr(model_instance, self.source))
        setattr(model_instance, self.attname, value)
        return value


def pii_fields(model) -> list[EncryptedTextField | EncryptedBinaryField]:
    """The model's encrypted fields (what key rotation re-encrypts)."""
    return [
        f
        for f in model._meta.concrete_fields
        if isinstance(f, EncryptedTextField | EncryptedBinaryField)
    ]
