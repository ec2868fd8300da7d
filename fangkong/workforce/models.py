"""The models of essential workers and rosters (保供人员与排班)."""
