"""Pages of the arrivals app: the ledger (arrivals), the other ledgers and risk areas
(ledgers), the public pre-registration (public)."""
