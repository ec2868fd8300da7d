"""Pages of cases and contacts."""
