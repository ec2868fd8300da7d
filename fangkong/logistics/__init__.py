"""Supplies and freight passes (物资与通行证)."""
