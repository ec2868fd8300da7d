"""Writes of the command centre: reports (``reports``) and directives (``directives``)."""
