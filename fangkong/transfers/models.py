"""The models of transfers (转运)."""
