"""The plan editor's form, read without WTForms: its comparison table has as many rows as the person
adds, and every row can be added, removed or moved with a plain submit button (no script needed).

``EditorState`` is what the page shows: the text of every field exactly as typed (a cost that is not
a number stays as typed, so nothing is lost when it is refused). It is read from a plan
(``from_plan``) or from a submitted form (``from_form``), and turned into the content the service
checks (``content``, in the API's shape), with the map from each content path to the field that
shows it (``field_of``), so the page puts every reason beside its field.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from app.core.money import fen_from_text
from app.plans.content import MAX_ROWS
from app.plans.enums import Route, Verdict

# How many rows a form may carry: past the limit the service says so, with its reason.
MAX_FORM_ROWS = MAX_ROWS + 10
MAX_FIELD = 20_000  # a field is cut beyond this before anything reads it (the service's limits are lower)


def _cut(value) -> str:
    return (value or "")[:MAX_FIELD] if isinstance(value, str) else ""


def yuan_text(fen) -> str:
    """Fen as the form shows it: ``1250000`` -> ``12500.00``."""
    return f"{Decimal(int(fen)) / 100:.2f}" if isinstance(fen, int) and not isinstance(fen, bool) else ""


def fen_of(text: str):
    """Yuan as typed -> fen (``app.core.money.fen_from_text``): what is not such a sum stays as typed
    (the service refuses it with its reason); blank -> None."""
    return fen_from_text(text or "")


@dataclass
class Row:
    feature: str = ""
    accused: str = ""
    verdict: str = Verdict.UNDETERMINED.value
    evidence: str = ""
    remove: bool = False

    @property
    def is_blank(self) -> bool:
        return not (self.feature.strip() or self.accused.strip() or self.evidence.strip())


@dataclass
class RouteLine:
    on: bool = False
    cost: str = ""
    duration: str = ""
    note: str = ""


@dataclass
class EditorState:
    facts: str = ""
    right_index: str = ""
    right_scope: str = ""
    rows: list[Row] = field(default_factory=list)
    evidence_held: str = ""
    evidence_needed: str = ""
    routes: dict[str, RouteLine] = field(default_factory=lambda: {r.value: RouteLine() for r in Route})
    damages_amount: str = ""
    damages_basis: str = ""
    # content path -> the id of the field that shows it (filled by ``content``).
    field_of: dict = field(default_factory=dict)

    # ---- reading ----

    @classmethod
    def from_plan(cls, plan) -> EditorState:
        state = cls(
            facts=plan.facts or "",
            right_index=str(plan.right_position) if plan.right_type is not None else "",
            right_scope=plan.right_scope or "",
            rows=[
                Row(
                    r.get("feature", ""),
                    r.get("accused", ""),
                    r.get("verdict") or "undetermined",
                    r.get("evidence", ""),
                )
                for r in plan.comparison or []
            ],
            evidence_held="\n".join(plan.evidence_held or []),
            evidence_needed="\n".join(plan.evidence_needed or []),
            damages_amount=yuan_text(plan.damages_fen),
            damages_basis=plan.damages_basis or "",
        )
        for item in plan.routes or []:
            if item.get("route") in state.routes:
                state.routes[item["route"]] = RouteLine(
                    True, yuan_text(item.get("cost_fen")), item.get("duration", ""), item.get("note", "")
                )
        return state

    @classmethod
    def from_form(cls, form) -> EditorState:
        count = form.get("rows", "")
        count = min(int(count), MAX_FORM_ROWS) if count.isascii() and count.isdigit() and len(count) < 4 else 0
        rows = [
            Row(
                _cut(form.get(f"row-{i}-feature")),
                _cut(form.get(f"row-{i}-accused")),
                form.get(f"row-{i}-verdict")
                if form.get(f"row-{i}-verdict") in {v.value for v in Verdict}
                else Verdict.UNDETERMINED.value,
                _cut(form.get(f"row-{i}-evidence")),
                bool(form.get(f"row-{i}-remove")),
            )
            for i in range(count)
        ]
        routes = {
            r.value: RouteLine(
                bool(form.get(f"route-{r.value}-on")),
                _cut(form.get(f"route-{r.value}-cost")),
                _cut(form.get(f"route-{r.value}-duration")),
                _cut(form.get(f"route-{r.value}-note")),
            )
            for r in Route
        }
        return cls(
            facts=_cut(form.get("facts")),
            right_index=_cut(form.get("right_index")),
            right_scope=_cut(form.get("right_scope")),
            rows=rows,
            evidence_held=_cut(form.get("evidence_held")),
            evidence_needed=_cut(form.get("evidence_needed")),
            routes=routes,
            damages_amount=_cut(form.get("damages_amount")),
            damages_basis=_cut(form.get("damages_basis")),
        )

    # ---- the buttons that only change the form ----

    def add_row(self) -> None:
        self.rows.append(Row())

    def move(self, index: int, step: int) -> None:
        other = index + step
        if 0 <= index < len(self.rows) and 0 <= other < len(self.rows):
            self.rows[index], self.rows[other] = self.rows[other], self.rows[index]

    # ---- the content the service checks ----

    def content(self) -> dict:
        """The content in the API's shape: ticked and blank rows left out, unticked routes left out, a
        damages estimate only when its amount or basis is given. Fills ``field_of``."""
        self.field_of = {
            "facts": "facts",
            "right": "right_index",
            "right.index": "right_index",
            "right.scope": "right_scope",
            "evidence_held": "evidence_held",
            "evidence_needed": "evidence_needed",
            "damages": "damages_amount",
            "damages.amount_fen": "damages_amount",
            "damages.basis": "damages_basis",
            "comparison": "comparison",
            "routes": "routes",
        }
        right = None
        if self.right_index.strip() or self.right_scope.strip():
            index = self.right_index.strip()
            right = {"index": int(index) if index.isascii() and index.isdigit() and len(index) < 4 else -1}
            right["scope"] = self.right_scope
        comparison = []
        for i, row in enumerate(self.rows):
            if row.remove or row.is_blank:
                continue
            n = len(comparison)
            for name in ("feature", "accused", "verdict", "evidence"):
                self.field_of[f"comparison[{n}].{name}"] = f"row-{i}-{name}"
            self.field_of[f"comparison[{n}]"] = f"row-{i}-feature"
            comparison.append(
                {
                    "feature": row.feature,
                    "accused": row.accused,
                    "verdict": row.verdict or None,
                    "evidence": row.evidence,
                }
            )
        routes = []
        for value, line in self.routes.items():
            if not line.on:
                continue
            n = len(routes)
            self.field_of[f"routes[{n}]"] = f"route-{value}-on"
            self.field_of[f"routes[{n}].route"] = f"route-{value}-on"
            self.field_of[f"routes[{n}].cost_fen"] = f"route-{value}-cost"
            self.field_of[f"routes[{n}].duration"] = f"route-{value}-duration"
            self.field_of[f"routes[{n}].note"] = f"route-{value}-note"
            routes.append({"route": value, "cost_fen": fen_of(line.cost), "duration": line.duration, "note": line.note})
        damages = None
        if self.damages_amount.strip() or self.damages_basis.strip():
            damages = {"amount_fen": fen_of(self.damages_amount), "basis": self.damages_basis}
        return {
            "facts": self.facts,
            "right": right,
            "comparison": comparison,
            "evidence_held": _lines(self.evidence_held, "evidence_held", self.field_of),
            "evidence_needed": _lines(self.evidence_needed, "evidence_needed", self.field_of),
            "routes": routes,
            "damages": damages,
        }

    def errors_by_field(self, problems: dict) -> dict[str, list]:
        """The service's problems (by content path) under the ids of the fields that show them."""
        out: dict[str, list] = {}
        for path, message in problems.items():
            out.setdefault(self.field_of.get(path, path), []).append(message)
        return out


def _lines(text: str, name: str, field_of: dict) -> list[str]:
    items = [line.strip() for line in (text or "").splitlines() if line.strip()]
    for n in range(len(items)):
        field_of[f"{name}[{n}]"] = name
    return items
