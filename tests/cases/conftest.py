"""Fixtures of the cases tests: the testing pipeline's (a positive single tube is how a case
candidate comes), shared from tests/testing."""

from tests.testing.conftest import lab, point, point_b, residents, rnd, sms, swab, to_lab

__all__ = ["lab", "point", "point_b", "residents", "rnd", "sms", "swab", "to_lab"]
