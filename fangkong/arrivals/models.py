"""The models of arrivals and ledgers (来返人员)."""
