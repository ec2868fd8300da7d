"""Personal data at rest: encryption, blind indexes and masking.

Values are encrypted with AES-256-GCM under a key named in the ciphertext
(``v1:<key id>:<base64 nonce+ciphertext>``), so keys can be rotated without a flag day:
old ciphertexts stay readable until ``fangkong rotate_keys`` re-encrypts them. Exact lookup
goes through a keyed HMAC-SHA256 of the normalised value (the blind index), so the
database never needs the plain value to find a person by ID number or phone.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import secrets
import threading
from dataclasses import dataclass
from pathlib import Path

from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import models

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
def mask_id_number(value: str | None) -> str:
    if not value:
        return ""
    if len(value) <= 6:
        return "*" * len(value)
    keep_head = 6 if len(value) >= 15 else 2
    return value[:keep_head] + "*" * (len(value) - keep_head - 4) + value[-4:]


def mask_phone(value: str | None) -> str:
    if not value:
        return ""
    if len(value) < 7:
        return "*" * len(value)
    return value[:3] + "*" * (len(value) - 7) + value[-4:]


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
