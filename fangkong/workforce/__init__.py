"""Essential workers and rosters (保供人员与排班)."""
