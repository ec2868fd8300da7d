"""The models of home isolation (居家隔离)."""
