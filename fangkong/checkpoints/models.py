"""The models of entry checkpoints (卡口)."""
