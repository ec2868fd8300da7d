"""Home isolation (居家隔离)."""
