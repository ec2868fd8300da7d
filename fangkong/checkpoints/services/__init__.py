"""Writes of the checkpoints app: checkpoints and shifts, and the phones' batch uploads."""

from fangkong.checkpoints.services.checkpoints import (
    CheckpointData,
    create_checkpoint,
    end_shift,
    start_shift,
    update_checkpoint,
)
from fangkong.checkpoints.services.upload import UploadReport, upload_batch

__all__ = [
    "CheckpointData",
    "UploadReport",
    "create_checkpoint",
    "end_shift",
    "start_shift",
    "update_checkpoint",
    "upload_batch",
]
