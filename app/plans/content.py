"""A plan's content: what may be written in it, checked with every reason at once.

The content is given as the API names it (``facts``, ``right``, ``comparison``, ``evidence_held``,
``evidence_needed``, ``routes``, ``damages``; the editor page reads its form into the same shape)
and becomes the plan's columns. ``clean_content`` is pure: it reads the case's rights and nothing
else, and returns the columns to set and the problems, each under its JSON path.
"""

from __future__ import annotations

import copy

from flask_babel import lazy_gettext as _l

from app.plans.enums import Route, Verdict

MAX_FACTS = 10_000
MAX_TEXT = 2_000
MAX_BASIS = 5_000
MAX_ROWS = 50
MAX_ITEMS = 50
MAX_ITEM = 500
MAX_DURATION = 100
MAX_AMOUNT_FEN = 10**13  # a hundred billion yuan: anything above is a typing error

# The content fields as the API names them, and the plan's columns each one sets.
CONTENT_FIELDS = {
    "facts": ("facts",),
    "right": ("right_position", "right_type", "right_number", "right_title", "right_scope"),
    "comparison": ("comparison",),
    "evidence_held": ("evidence_held",),
    "evidence_needed": ("evidence_needed",),
    "routes": ("routes",),
    "damages": ("damages_fen", "damages_basis"),
}
ROW_FIELDS = ("feature", "accused", "verdict", "evidence")
ROUTE_FIELDS = ("route", "cost_fen", "duration", "note")


def copy_content(plan) -> dict:
    """The columns of ``plan``'s content, copied (a revision starts from them)."""
    return {column: copy.deepcopy(getattr(plan, column)) for columns in CONTENT_FIELDS.values() for column in columns}


class _Problems(dict):
    def add(self, path: str, message) -> None:
        self.setdefault(path, message)


def _text(value, path, problems, *, limit, what, required=False, required_message=None):
    """Text as given, stripped; a problem when it is not text, too long, or missing but required."""
    if value is None:
        value = ""
    if not isinstance(value, str):
        problems.add(path, _l("%(what)s must be text.", what=what))
        return None
    value = value.strip()
    if len(value) > limit:
        problems.add(path, _l("%(what)s is too long (at most %(n)s characters).", what=what, n=f"{limit:,}"))
        return None
    if required and not value:
        problems.add(path, required_message or _l("%(what)s is empty.", what=what))
        return None
    return value


def _amount(value, path, problems, *, what):
    """A sum in whole fen, not negative, not absurdly large."""
    if isinstance(value, bool) or not isinstance(value, int):
        problems.add(path, _l("%(what)s: give a sum in yuan with at most two decimals.", what=what))
        return None
    if value < 0:
        problems.add(path, _l("%(what)s cannot be negative.", what=what))
        return None
    if value > MAX_AMOUNT_FEN:
        problems.add(path, _l("%(what)s is too large.", what=what))
        return None
    return value


def _list(value, path, problems, *, limit, what):
    if not isinstance(value, list):
        problems.add(path, _l("%(what)s must be a list.", what=what))
        return None
    if len(value) > limit:
        problems.add(path, _l("%(what)s: at most %(n)d.", what=what, n=limit))
        return None
    return value


def _right(case, value, problems) -> dict | None:
    empty = {"right_position": None, "right_type": None, "right_number": "", "right_title": "", "right_scope": ""}
    if value is None:
        return empty
    if not isinstance(value, dict):
        problems.add("right", _l("The right relied on must be an object (index, scope)."))
        return None
    unknown = set(value) - {"index", "scope"}
    for key in sorted(unknown):
        problems.add(f"right.{key}", _l("Unknown field."))
    scope = _text(value.get("scope"), "right.scope", problems, limit=MAX_TEXT, what=_l("The scope relied on"))
    index = value.get("index")
    # ``index``: the right's place among the case's rights (its position; ``ip_rights`` in the API).
    right = None
    if not isinstance(index, bool) and isinstance(index, int):
        right = next((r for r in case.rights if r.position == index), None)
    if right is None:
        problems.add("right.index", _l("Choose one of the case's rights."))
    if right is None or scope is None or unknown:
        return None
    return {
        "right_position": right.position,
        "right_type": right.type,
        "right_number": right.number or "",
        "right_title": right.title or "",
        "right_scope": scope,
    }


def _comparison(value, problems) -> list | None:
    rows = _list(value, "comparison", problems, limit=MAX_ROWS, what=_l("The comparison table's rows"))
    if rows is None:
        return None
    out, bad = [], False
    for n, row in enumerate(rows):
        path = f"comparison[{n}]"
        where = _l("Comparison row %(n)d", n=n + 1)
        if not isinstance(row, dict):
            problems.add(path, _l("%(where)s must be an object.", where=where))
            bad = True
            continue
        for key in sorted(set(row) - set(ROW_FIELDS)):
            problems.add(f"{path}.{key}", _l("Unknown field."))
            bad = True
        feature = _text(
            row.get("feature"),
            f"{path}.feature",
            problems,
            limit=MAX_TEXT,
            what=_l("%(where)s: the claim or design feature", where=where),
            required=True,
        )
        accused = _text(
            row.get("accused"),
            f"{path}.accused",
            problems,
            limit=MAX_TEXT,
            what=_l("%(where)s: the accused product's feature", where=where),
            required=True,
        )
        evidence = _text(
            row.get("evidence"),
            f"{path}.evidence",
            problems,
            limit=MAX_TEXT,
            what=_l("%(where)s: the evidence", where=where),
        )
        verdict = row.get("verdict") or Verdict.UNDETERMINED.value
        if not isinstance(verdict, str) or verdict not in {v.value for v in Verdict}:
            problems.add(f"{path}.verdict", _l("%(where)s: choose a verdict.", where=where))
            verdict = None
        if None in (feature, accused, evidence, verdict):
            bad = True
            continue
        out.append({"feature": feature, "accused": accused, "verdict": verdict, "evidence": evidence})
    return None if bad else out


def _items(name, value, problems, what) -> list | None:
    items = _list(value, name, problems, limit=MAX_ITEMS, what=what)
    if items is None:
        return None
    out, bad = [], False
    for n, item in enumerate(items):
        text = _text(
            item,
            f"{name}[{n}]",
            problems,
            limit=MAX_ITEM,
            what=_l("%(what)s, item %(n)d", what=what, n=n + 1),
            required=True,
        )
        if text is None:
            bad = True
        else:
            out.append(text)
    return None if bad else out


def _routes(value, problems) -> list | None:
    routes = _list(value, "routes", problems, limit=len(Route), what=_l("The recommended routes"))
    if routes is None:
        return None
    out, bad, seen = [], False, set()
    known = {r.value for r in Route}
    for n, item in enumerate(routes):
        path = f"routes[{n}]"
        if not isinstance(item, dict):
            problems.add(path, _l("Route %(n)d must be an object.", n=n + 1))
            bad = True
            continue
        for key in sorted(set(item) - set(ROUTE_FIELDS)):
            problems.add(f"{path}.{key}", _l("Unknown field."))
            bad = True
        route = item.get("route")
        if not isinstance(route, str) or route not in known:
            problems.add(f"{path}.route", _l("Route %(n)d: choose one of the routes.", n=n + 1))
            bad = True
            where = _l("Route %(n)d", n=n + 1)
        else:
            where = Route(route).label
            if route in seen:
                problems.add(f"{path}.route", _l("%(route)s is recommended twice.", route=where))
                bad = True
            seen.add(route)
        cost = item.get("cost_fen")
        if cost is None:
            problems.add(f"{path}.cost_fen", _l("%(where)s: give the estimated cost (0 when free).", where=where))
            cost = None
        else:
            cost = _amount(cost, f"{path}.cost_fen", problems, what=_l("%(where)s: the cost", where=where))
        duration = _text(
            item.get("duration"),
            f"{path}.duration",
            problems,
            limit=MAX_DURATION,
            what=_l("%(where)s: the time it takes", where=where),
            required=True,
            required_message=_l("%(where)s: say how long it takes.", where=where),
        )
        note = _text(
            item.get("note"), f"{path}.note", problems, limit=MAX_TEXT, what=_l("%(where)s: the note", where=where)
        )
        if None in (cost, duration, note) or bad:
            bad = True
            continue
        out.append({"route": route, "cost_fen": cost, "duration": duration, "note": note})
    return None if bad else out


def _damages(value, problems) -> dict | None:
    if value is None:
        return {"damages_fen": None, "damages_basis": ""}
    if not isinstance(value, dict):
        problems.add("damages", _l("The damages estimate must be an object (amount_fen, basis), or null."))
        return None
    unknown = sorted(set(value) - {"amount_fen", "basis"})
    for key in unknown:
        problems.add(f"damages.{key}", _l("Unknown field."))
    amount = value.get("amount_fen")
    if amount is None:
        problems.add("damages.amount_fen", _l("Give the damages estimated, or leave the estimate out."))
    else:
        amount = _amount(amount, "damages.amount_fen", problems, what=_l("The damages estimated"))
    basis = _text(
        value.get("basis"),
        "damages.basis",
        problems,
        limit=MAX_BASIS,
        what=_l("The basis of the estimate"),
        required=True,
        required_message=_l("Say what the damages estimate is based on."),
    )
    if amount is None or basis is None or unknown:
        return None
    return {"damages_fen": amount, "damages_basis": basis}


def clean_content(case, data: dict) -> tuple[dict, dict]:
    """The plan's columns set by ``data`` (the content fields given) and the problems, each under its
    JSON path; the columns are only usable when there are no problems."""
    problems = _Problems()
    values: dict = {}
    for key in sorted(set(data) - set(CONTENT_FIELDS)):
        problems.add(key, _l("Unknown field."))
    if "facts" in data:
        facts = _text(data["facts"], "facts", problems, limit=MAX_FACTS, what=_l("The facts"))
        if facts is not None:
            values["facts"] = facts
    if "right" in data:
        values.update(_right(case, data["right"], problems) or {})
    if "comparison" in data:
        rows = _comparison(data["comparison"], problems)
        if rows is not None:
            values["comparison"] = rows
    for name, what in (("evidence_held", _l("The evidence held")), ("evidence_needed", _l("The evidence needed"))):
        if name in data:
            items = _items(name, data[name], problems, what)
            if items is not None:
                values[name] = items
    if "routes" in data:
        routes = _routes(data["routes"], problems)
        if routes is not None:
            values["routes"] = routes
    if "damages" in data:
        values.update(_damages(data["damages"], problems) or {})
    return values, dict(problems)


# ---- the content as the API and the pages show it ----------------------------------------------------------


def right_of(plan) -> dict | None:
    if plan.right_type is None:
        return None
    return {
        "index": plan.right_position,
        "type": plan.right_type.value,
        "number": plan.right_number,
        "title": plan.right_title,
        "scope": plan.right_scope,
    }


def damages_of(plan) -> dict | None:
    if plan.damages_fen is None:
        return None
    return {"amount_fen": plan.damages_fen, "basis": plan.damages_basis}


def content_of(plan) -> dict:
    """The plan's content in the shape ``clean_content`` reads (what a form shows again)."""
    return {
        "facts": plan.facts,
        "right": {"index": plan.right_position, "scope": plan.right_scope} if plan.right_type is not None else None,
        "comparison": copy.deepcopy(plan.comparison or []),
        "evidence_held": list(plan.evidence_held or []),
        "evidence_needed": list(plan.evidence_needed or []),
        "routes": copy.deepcopy(plan.routes or []),
        "damages": damages_of(plan),
    }
