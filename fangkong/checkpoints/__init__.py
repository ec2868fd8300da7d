"""Entry checkpoints (卡口)."""
