"""Key rotation: re-encrypt every personal-data field under a new key, without loss."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from django.apps import apps
from django.conf import settings
from django.db import transaction

from fangkong.core import audit, pii
from fangkong.core.actors import Actor
from fangkong.core.errors import ValidationFailed


def _encrypted_models() -> list[tuple[Any, list[Any], list[pii.BlindIndexField]]]:
    out = []
    for model in apps.get_models():
        enc = pii.pii_fields(model)
        if enc:
            idx = [f for f in model._meta.concrete_fields if isinstance(f, pii.BlindIndexField)]
            out.append((model, enc, idx))
    return out


def rotate_keys(
    *, rotate_index_key: bool = False, by: Actor | None = None, chunk: int = 2000
) -> dict:
    """Add a new current data key (and optionally a new blind-index key), re-encrypt all rows,
    then save the keyring. Old data keys stay in the ring so nothing becomes unreadable."""
    if os.environ.get("FANGKONG_PII_KEYS"):
        raise ValidationFailed(
            "Keys come from FANGKONG_PII_KEYS: rotate with a key file "
            "(docs/deployment.md, key management)."
        )
    path = Path(settings.FANGKONG_PII_KEY_FILE)
    old = pii.keyring()
    new = old.with_new_key()
    if rotate_index_key:
        import secrets

        new = pii.Keyring(keys=new.keys, current=new.current, index_key=secrets.token_bytes(32))
    counts: dict[str, int] = {}
    with transaction.atomic():
        pii.set_keyring(new)
        try:
            for model, enc, idx in _encrypted_models():
                n = 0
                # files (import jobs waiting to run) are large: a few rows at a time
                size = 10 if any(isinstance(f, pii.EncryptedBinaryField) for f in enc) else chunk
                qs = model._base_manager.order_by("pk")
                last = None
                while True:
                    page = qs.filter(pk__gt=last) if last is not None else qs
                    objs = list(page[:size])
                    if not objs:
                        break
                    if rotate_index_key:
                        for o in objs:
                            for f in idx:
                                setattr(o, f.attname, pii.blind_index(getattr(o, f.source)))
                    model._base_manager.bulk_update(
                        objs,
                        [f.name for f in enc] + ([f.name for f in idx] if rotate_index_key else []),
                    )
                    n += len(objs)
                    last = objs[-1].pk
                counts[model._meta.label_lower] = n
            audit.record(
                audit.Action.ROTATE_KEYS,
                by=by,
                object_type="pii.keyring",
                detail=f"new key {new.current}; index key rotated: {rotate_index_key}; "
                f"rows: {counts}",
            )
        except BaseException:
            pii.set_keyring(old)
            raise
    pii.save_keyring(new, path)
    return {"current": new.current, "rows": counts}
