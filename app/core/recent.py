"""Figures of a period counted a moment ago: kept per process for ``REPORT_FIGURES_SECONDS`` (a minute).

A report not yet issued (a month's preview, the statistics of any period) and the escalation board's
on-time rates are counted from the cases and clocks themselves; at national scale that reads a
month's or a year's rows, more than a page may cost. Such figures may be a minute old, and the page
says when they were counted ("Figures as of 10:42"). Issued reports are frozen in ``monthly_reports``
and never counted again. The entries are keyed by the database and what the caller names (the centre,
the period, the scope, the filters, the language), so one reader's figures are another's for the same
figures (the view checks who may read them before asking); at most ``SIZE`` are kept.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable

from flask import current_app, has_app_context

SIZE = 64
_entries: OrderedDict = OrderedDict()
_lock = threading.Lock()


def remembered(key: tuple, count: Callable):
    """``count()``'s value, or the one it gave for ``key`` less than ``REPORT_FIGURES_SECONDS`` ago."""
    seconds = current_app.config.get("REPORT_FIGURES_SECONDS", 60) if has_app_context() else 0
    if not seconds:  # kept by no one (and counted afresh outside a request or command, as in a script)
        return count()
    key = (current_app.config["SQLALCHEMY_DATABASE_URI"], *key)
    now = time.monotonic()
    with _lock:
        found = _entries.get(key)
        if found is not None and found[0] > now:
            _entries.move_to_end(key)
            return found[1]
    value = count()
    with _lock:
        _entries[key] = (now + seconds, value)
        _entries.move_to_end(key)
        while len(_entries) > SIZE:
            _entries.popitem(last=False)
    return value


def forget() -> None:
    """Drop every kept figure (a report issued just now is read from its frozen figures anyway)."""
    with _lock:
        _entries.clear()
