"""Any workflow drawn as an SVG state diagram, on the server, from its rule table.

A simple layered layout, top to bottom. Edges that lead back (found by a depth-first
walk from ``draft``) are set aside; every state goes one layer below its furthest
predecessor. The longest chain of states runs down the middle column; the other
states sit left of it when an action open from many states (``withdraw``) starts
there too, right of it otherwise. That many-state action is drawn once, as an arrow
from a dashed box around its states (when the box holds no other state), so the
diagram stays readable. Edges between neighbouring layers are straight, longer ones
curve round the right-hand side, edges back round the left, self-loops sit beside
their state. No script and no style attributes (the CSP allows neither):
presentation attributes only.
"""

from __future__ import annotations

from dataclasses import dataclass
from html import escape

from flask_babel import lazy_gettext as _l
from markupsafe import Markup

from app.core.workflow import Action, Workflow

NODE_W, NODE_H = 150, 38
COL_GAP, LAYER_GAP = 120, 52
MARGIN_X, MARGIN_TOP = 150, 24
LANE = 26  # distance between the curves that go round the side
GROUP_MIN_SOURCES = 4  # an action taken from this many states is drawn from a box around them
GROUP_PAD = 12


def guard_text(guard) -> str:
    """A guard in words (its function name, readable, when it has no description)."""
    text = getattr(guard, "description", None)
    return str(text) if text is not None else guard.__name__.replace("_", " ")


@dataclass
class Node:
    state: object
    layer: int = 0
    col: int = 0
    x: float = 0.0
    y: float = 0.0

    @property
    def cx(self) -> float:
        return self.x + NODE_W / 2

    @property
    def cy(self) -> float:
        return self.y + NODE_H / 2

    @property
    def right(self) -> float:
        return self.x + NODE_W

    @property
    def bottom(self) -> float:
        return self.y + NODE_H


@dataclass
class Layout:
    nodes: dict
    edges: list  # (source, target, action)
    back: set  # (source, target) pairs that lead back
    grouped: dict  # action name -> the states of its dashed box, for actions drawn from a box


def _edges(wf: Workflow) -> list[tuple[object, object, Action]]:
    order = list(wf.states)
    return [
        (source, action.target or source, action)
        for action in wf.actions.values()
        for source in sorted(action.sources, key=order.index)
    ]


def _back_edges(edges, states) -> set[tuple]:
    """Edges that close a cycle, found by a depth-first walk from the first state."""
    successors: dict = {s: [] for s in states}
    for source, target, _action in edges:
        if source != target and target not in successors[source]:
            successors[source].append(target)
    back, seen, on_path = set(), set(), set()

    def walk(state):
        seen.add(state)
        on_path.add(state)
        for nxt in successors[state]:
            if nxt in on_path:
                back.add((state, nxt))
            elif nxt not in seen:
                walk(nxt)
        on_path.discard(state)

    for state in states:
        if state not in seen:
            walk(state)
    return back


def _set_aside(action) -> bool:
    """An action that keeps the state and is open from many states (handover, transfer, their
    answers) is named under the diagram rather than drawn as a loop on every one of them."""
    return action.target is None and len(action.sources) >= GROUP_MIN_SOURCES


def _many_state_actions(edges) -> dict[str, set]:
    by_action: dict[str, set] = {}
    for source, _target, action in edges:
        if _set_aside(action):
            continue
        by_action.setdefault(action.name, set()).add(source)
    return {name: sources for name, sources in by_action.items() if len(sources) >= GROUP_MIN_SOURCES}


def layout(wf: Workflow) -> Layout:
    """Place every state: layers by the longest forward path, columns around the longest chain."""
    edges = _edges(wf)
    back = _back_edges(edges, wf.states)
    forward = [(s, t) for s, t, a in edges if s != t and (s, t) not in back]
    many = _many_state_actions(edges)
    many_sources = set().union(*many.values()) if many else set()
    nodes = {s: Node(s) for s in wf.states}
    for _ in wf.states:  # longest path; the forward edges form a DAG, so this settles
        for source, target in forward:
            nodes[target].layer = max(nodes[target].layer, nodes[source].layer + 1)

    # The longest chain, followed back from its deepest state through the deepest predecessors.
    order = list(wf.states)
    chain = [max(nodes.values(), key=lambda n: (n.layer, -order.index(n.state))).state]
    while True:
        preds = [s for s, t in forward if t is chain[-1] and nodes[s].layer == nodes[chain[-1]].layer - 1]
        if not preds:
            break
        chain.append(min(preds, key=order.index))
    taken: set[tuple[int, int]] = set()
    for state in chain:
        taken.add((nodes[state].layer, 0))
    for node in sorted(nodes.values(), key=lambda n: (n.layer, order.index(n.state))):
        if node.state in chain:
            continue
        step = -1 if node.state in many_sources else 1
        col = step
        while (node.layer, col) in taken:
            col += step
        node.col = col
        taken.add((node.layer, col))
    min_col = min(n.col for n in nodes.values())
    for node in nodes.values():
        node.x = MARGIN_X + (node.col - min_col) * (NODE_W + COL_GAP)
        node.y = MARGIN_TOP + node.layer * (NODE_H + LAYER_GAP)

    grouped = {}
    for name, sources in many.items():
        box = _box([nodes[s] for s in sources])
        inside = {n.state for n in nodes.values() if _within(n, box)}
        if inside == sources:
            grouped[name] = sources
    return Layout(nodes=nodes, edges=edges, back=back, grouped=grouped)


def _box(nodes) -> tuple[float, float, float, float]:
    return (
        min(n.x for n in nodes) - GROUP_PAD,
        min(n.y for n in nodes) - GROUP_PAD,
        max(n.right for n in nodes) + GROUP_PAD,
        max(n.bottom for n in nodes) + GROUP_PAD,
    )


def _within(node: Node, box) -> bool:
    left, top, right, bottom = box
    return node.x >= left and node.right <= right and node.y >= top and node.bottom <= bottom


# ---- drawing ---------------------------------------------------------------------------------------


def _label(x: float, y: float, text: str, anchor: str = "start") -> str:
    return (
        f'<text x="{x:.1f}" y="{y:.1f}" text-anchor="{anchor}" font-size="11" fill="#212529" '
        f'stroke="#ffffff" stroke-width="4" stroke-linejoin="round" paint-order="stroke">{escape(text)}</text>'
    )


def _path(d: str, muted: bool = False, dashed: bool = False) -> str:
    colour, marker = ("#6c757d", "wf-arrow-muted") if muted else ("#495057", "wf-arrow")
    dash = ' stroke-dasharray="5 3"' if dashed else ""
    return f'<path d="{d}" fill="none" stroke="{colour}" stroke-width="1.4"{dash} marker-end="url(#{marker})"/>'


def workflow_svg(wf: Workflow, *, title, description, aside_text=None) -> Markup:
    """The diagram as inline SVG markup, with the labels in the request's language. ``aside_text``
    (actions) -> the sentence naming the actions that keep the state and are open from many states."""
    plan = layout(wf)
    nodes = plan.nodes
    lines, labels = [], []
    by_pair: dict[tuple, list[Action]] = {}
    aside = [a for a in wf.actions.values() if _set_aside(a)]
    for source, target, action in plan.edges:
        if action.name in plan.grouped or _set_aside(action):
            continue
        by_pair.setdefault((source, target), []).append(action)
    # An action from several states is named once, on its shortest edge.
    labelled: set[str] = set()
    spans = sorted(
        by_pair, key=lambda p: abs(nodes[p[1]].layer - nodes[p[0]].layer) + abs(nodes[p[1]].col - nodes[p[0]].col)
    )
    texts = {}
    for pair in spans:
        names = [str(a.label) for a in by_pair[pair] if a.name not in labelled]
        labelled.update(a.name for a in by_pair[pair])
        texts[pair] = " / ".join(names)

    right_lanes = 0
    left_lanes = 0
    rightmost = max(n.right for n in nodes.values())
    for (source, target), text in texts.items():
        a, b = nodes[source], nodes[target]
        if source == target:
            crowded = any(n.layer == a.layer and n.col == a.col + 1 for n in nodes.values())
            lines.append(_loop(a, text, labels, below=crowded))
        elif (source, target) in plan.back:
            left_lanes += 1
            lines.append(_back(a, b, text, labels, left_lanes))
        elif b.layer - a.layer == 1:
            lines.append(_near(a, b, text, labels))
        else:
            right_lanes += 1
            lines.append(_round_right(a, b, text, labels, rightmost, right_lanes))
    for name, sources in plan.grouped.items():
        lines.append(_group(nodes, wf.actions[name], sources, labels))

    width = rightmost + LANE * right_lanes + 170
    height = max(n.bottom for n in nodes.values()) + 60
    if aside and aside_text is not None:
        text = aside_text(" / ".join(str(a.label) for a in aside))
        labels.append(_label(MARGIN_X, height - 8, str(text)))
        height += 24
    svg_title, svg_desc = str(title), str(description)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width:.0f} {height:.0f}" '
        f'width="{width:.0f}" height="{height:.0f}" role="img" aria-labelledby="wf-svg-title wf-svg-desc" '
        f'class="workflow-diagram" font-family="system-ui, -apple-system, sans-serif">',
        f'<title id="wf-svg-title">{escape(svg_title)}</title>',
        f'<desc id="wf-svg-desc">{escape(svg_desc)}</desc>',
        "<defs>",
        *(
            f'<marker id="{marker}" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" '
            f'orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="{colour}"/></marker>'
            for marker, colour in (("wf-arrow", "#495057"), ("wf-arrow-muted", "#6c757d"))
        ),
        "</defs>",
        *lines,
        *(_node(n) for n in nodes.values()),
        *labels,
        "</svg>",
    ]
    return Markup("".join(parts))


def _node(node: Node) -> str:
    final = not getattr(node.state, "is_open", True)
    fill, stroke = ("#f1f3f5", "#495057") if final else ("#e7f1ff", "#0a58ca")
    return (
        f'<g><rect x="{node.x:.1f}" y="{node.y:.1f}" width="{NODE_W}" height="{NODE_H}" rx="8" '
        f'fill="{fill}" stroke="{stroke}" stroke-width="{2 if final else 1.5}"/>'
        f'<text x="{node.cx:.1f}" y="{node.cy + 4:.1f}" text-anchor="middle" font-size="13" font-weight="600" '
        f'fill="#212529">{escape(node.state.label)}</text></g>'
    )


def _near(a: Node, b: Node, text: str, labels: list) -> str:
    """Neighbouring layers: a straight arrow from the bottom of one box to the top of the other, or, when it
    crosses the middle column, down, across just above the lower layer, and down again."""
    if abs(b.col - a.col) >= 2:
        x1, y1 = a.cx, a.bottom
        x2, y2 = b.cx, b.y
        y_mid = y2 - 14
        turn = 8 if x2 > x1 else -8
        d = (
            f"M{x1:.1f},{y1:.1f} L{x1:.1f},{y_mid - 8:.1f} Q{x1:.1f},{y_mid:.1f} {x1 + turn:.1f},{y_mid:.1f} "
            f"L{x2 - turn:.1f},{y_mid:.1f} Q{x2:.1f},{y_mid:.1f} {x2:.1f},{y_mid + 8:.1f} L{x2:.1f},{y2:.1f}"
        )
        if text:
            labels.append(_label(x1 + 6, y_mid - 6, text))
        return _path(d)
    shift = 28 * (b.col - a.col)
    x1, y1 = a.cx + shift, a.bottom
    x2, y2 = b.cx - shift, b.y
    if text:
        labels.append(_label((x1 + x2) / 2 + 8, (y1 + y2) / 2 - 2, text))
    return _path(f"M{x1:.1f},{y1:.1f} L{x2:.1f},{y2:.1f}")


def _round_right(a: Node, b: Node, text: str, labels: list, rightmost: float, lane: int) -> str:
    """Over several layers: out of the source's right side, down a lane right of every box, into the target's top."""
    x_lane = rightmost + LANE * lane
    x1, y1 = a.right, a.cy
    x2, y2 = b.right - 24, b.y
    d = (
        f"M{x1:.1f},{y1:.1f} L{x_lane - 12:.1f},{y1:.1f} Q{x_lane:.1f},{y1:.1f} {x_lane:.1f},{y1 + 12:.1f} "
        f"L{x_lane:.1f},{y2 - 26:.1f} Q{x_lane:.1f},{y2 - 14:.1f} {x_lane - 12:.1f},{y2 - 14:.1f} "
        f"L{x2 + 12:.1f},{y2 - 14:.1f} Q{x2:.1f},{y2 - 14:.1f} {x2:.1f},{y2:.1f}"
    )
    if text:
        labels.append(_label(x_lane + 6, (y1 + y2) / 2, text))
    return _path(d)


def _back(a: Node, b: Node, text: str, labels: list, lane: int) -> str:
    """Back to an earlier layer: out of the source's left side and up into the target's left side."""
    x1, y1 = a.x, a.cy
    x2, y2 = b.x, b.cy
    x_lane = min(x1, x2) - 22 * lane
    d = f"M{x1:.1f},{y1:.1f} C{x_lane:.1f},{y1:.1f} {x_lane:.1f},{y2:.1f} {x2:.1f},{y2:.1f}"
    if text and x2 - x1 > NODE_W / 2:  # back up and across: name it above where it arrives
        labels.append(_label((x_lane + x2) / 2, y2 - 10, text, "middle"))
    elif text:
        labels.append(_label(x_lane - 4, (y1 + y2) / 2 + 4, text, "end"))
    return _path(d, muted=True, dashed=True)


def _loop(node: Node, text: str, labels: list, below: bool) -> str:
    """An action that keeps the state: a small loop beside the box (below it when nothing leaves it downwards)."""
    if below:
        x, y = node.cx + 30, node.bottom
        d = f"M{x - 10:.1f},{y:.1f} C{x - 18:.1f},{y + 28:.1f} {x + 18:.1f},{y + 28:.1f} {x + 10:.1f},{y:.1f}"
        labels.append(_label(x + 20, y + 24, text))
    else:
        x, y = node.right, node.cy
        d = f"M{x:.1f},{y - 10:.1f} C{x + 28:.1f},{y - 18:.1f} {x + 28:.1f},{y + 18:.1f} {x:.1f},{y + 10:.1f}"
        labels.append(_label(x + 30, y + 4, text))
    return _path(d)


def _group(nodes, action, sources, labels: list) -> str:
    """An action open from many states: a dashed box around them and one arrow to its target."""
    left, top, right, bottom = _box([nodes[s] for s in sources])
    target = nodes[action.target] if action.target is not None else None
    box = (
        f'<rect x="{left:.1f}" y="{top:.1f}" width="{right - left:.1f}" height="{bottom - top:.1f}" rx="12" '
        f'fill="none" stroke="#6c757d" stroke-width="1.2" stroke-dasharray="6 4"/>'
    )
    if all(getattr(s, "is_open", False) for s in sources) and set(sources) == {
        s for s in nodes if getattr(s, "is_open", False)
    }:
        text = _l("%(action)s: from every state in the dashed box (every open state)", action=action.label)
    else:
        text = _l("%(action)s: from every state in the dashed box", action=action.label)
    labels.append(_label(left + 8, bottom + 16, str(text)))
    if target is None:
        return box
    x1, y1 = right - 20, bottom
    x2, y2 = target.cx, target.y
    arrow = _path(f"M{x1:.1f},{y1:.1f} C{x1:.1f},{y1 + 24:.1f} {x2:.1f},{y2 - 30:.1f} {x2:.1f},{y2:.1f}", muted=True)
    return box + arrow
