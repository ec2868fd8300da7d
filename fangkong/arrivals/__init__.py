"""Arrivals and ledgers (来返人员)."""
