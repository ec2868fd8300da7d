"""Transfers (转运)."""
