"""Fixtures of the report pages' tests (tests/reports/ui.py)."""

from tests.reports.ui import rworld  # noqa: F401
