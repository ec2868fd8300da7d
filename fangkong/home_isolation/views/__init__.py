"""Pages of home isolation: households (``households``), work lists (``work``) and the
resident portal (``portal``)."""
