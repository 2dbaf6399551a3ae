"""A workflow business service as a diagram: its states (with their SLA), the actions between them (with
the roles that may take them), and the business service's own SLA, drawn server-side as SVG.

The configuration comes from `/egov-workflow-v2/egov-wf/businessservice/_search` with the administrator's
token (the city's own version, else its state's, as the API resolves it). No outside service and no
JavaScript draw it: `layout()` places the states by a deterministic layered algorithm (a state's layer is its
BFS depth from the start state; within a layer, the order in which BFS found it), and the template turns the
boxes and curves into SVG. A table below gives the same content to screen readers and to copy from.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field
from typing import Annotated, Any

from fastapi import APIRouter, Query
from fastapi.responses import Response

from digit.blocks.mdms.client import MDMS_CLIENT
from digit.web.admin.masters import tenant_of, tenants
from digit.web.backend import ApiError
from digit.web.employee.desk import WORKFLOW, Desk, open_desk
from digit.web.i18n import Translator, code_of
from digit.web.layout import EMPLOYEE_PREFIX, WebContext, WebDep

router = APIRouter(prefix=EMPLOYEE_PREFIX, include_in_schema=False)

SEARCH = "/egov-workflow-v2/egov-wf/businessservice/_search"
NODE_W, NODE_H = 220, 56  # a state's box
GAP_X, GAP_Y = 110, 150  # between boxes in a layer, between layers (room for the action labels)
ROLES_PER_LINE = 30  # characters of role names on one line of an action's label
MARGIN = 24
BEND = 48  # how far a curve between states of the same or distant layers bows out


@dataclass(frozen=True)
class Node:
    """A state's box: its top-left corner, its label and its SLA line."""

    key: str
    x: float
    y: float
    label: str
    sla: str
    start: bool
    terminal: bool

    @property
    def cx(self) -> float:
        return self.x + NODE_W / 2


@dataclass(frozen=True)
class Edge:
    """An action: the curve from its state to the next, and the label (action, roles) at the curve's middle."""

    path: str
    label_x: float
    label_y: float
    action: str
    roles: list[str]  # the role names, wrapped into short lines


@dataclass
class Diagram:
    width: float
    height: float
    nodes: list[Node] = field(default_factory=list)
    edges: list[Edge] = field(default_factory=list)


def duration(t: Translator, ms: object) -> str:
    """An SLA in days and hours, as the reader's language writes it; '' when there is none."""
    if not isinstance(ms, int | float) or isinstance(ms, bool) or ms <= 0:
        return ""
    hours = int(ms // 3_600_000)
    return t("EU_WF_DURATION", days=hours // 24, hours=hours % 24)


def state_label(t: Translator, business_service: str, state: dict[str, Any]) -> str:
    """The state's name in the reader's language: the flow's own message, then PGR's status name, then the code."""
    name = state.get("state")
    if not name:
        return t("EU_WF_START")
    code = str(name)
    return t(f"WF_{code_of(business_service)}_{code}", default=t(f"CS_COMMON_{code}", default=code))


def layers(states: list[dict[str, Any]]) -> dict[str, int]:
    """Each state's layer: its BFS depth from the start state(s); states BFS cannot reach go one layer below.

    The dict's order is the drawing order: by layer, and within a layer as BFS met the states (which follows
    the configuration's order of states and actions), so the same configuration always draws the same.
    """
    by_uuid = {str(s.get("uuid")): s for s in states}
    depth: dict[str, int] = {}
    queue: deque[str] = deque()
    for state in states:
        if state.get("isStartState"):
            depth[str(state.get("uuid"))] = 0
            queue.append(str(state.get("uuid")))
    while queue:
        current = queue.popleft()
        for action in by_uuid[current].get("actions") or []:
            target = str(action.get("nextState"))
            if target in by_uuid and target not in depth:
                depth[target] = depth[current] + 1
                queue.append(target)
    below = max(depth.values(), default=-1) + 1
    for uuid in by_uuid:
        depth.setdefault(uuid, below)
    order = {uuid: i for i, uuid in enumerate(depth)}
    return dict(sorted(depth.items(), key=lambda item: (item[1], order[item[0]])))


def _sides(source: Node, target: Node, middle: float) -> tuple[str, str]:
    """Which side of each box an action leaves by and enters by: down, across a layer, or back up around the
    outside (the side of the diagram the source stands on), so that going back never crosses the boxes."""
    if target.y > source.y:
        return "bottom", "top"
    if target.y < source.y:
        side = "left" if source.cx < middle else "right"
        return side, side
    return ("right", "left") if source.x < target.x else ("left", "right")


def _port(node: Node, side: str, k: int, n: int) -> tuple[float, float]:
    """The k-th of n points spread along one side of a box, so that actions leave and arrive apart."""
    f = (k + 1) / (n + 1)
    if side in ("top", "bottom"):
        return node.x + NODE_W * f, node.y + (NODE_H if side == "bottom" else 0)
    return node.x + (NODE_W if side == "right" else 0), node.y + NODE_H * f


def _curve(start: tuple[float, float], end: tuple[float, float], bow: float) -> tuple[str, float, float]:
    """A quadratic curve bowed `bow` px to the left of its direction, and its middle point (for the label)."""
    (x0, y0), (x1, y1) = start, end
    dx, dy = x1 - x0, y1 - y0
    length = max((dx * dx + dy * dy) ** 0.5, 1.0)
    cx, cy = (x0 + x1) / 2 + bow * (-dy / length), (y0 + y1) / 2 + bow * (dx / length)
    label_x, label_y = 0.25 * x0 + 0.5 * cx + 0.25 * x1, 0.25 * y0 + 0.5 * cy + 0.25 * y1
    return f"M{x0:.1f},{y0:.1f} Q{cx:.1f},{cy:.1f} {x1:.1f},{y1:.1f}", label_x, label_y


def _around(start: tuple[float, float], end: tuple[float, float], out: float) -> tuple[str, float, float]:
    """A curve from one box's side to another's, out `out` px past the outer one (negative: to the left)."""
    (x0, y0), (x1, y1) = start, end
    ext = (min(x0, x1) if out < 0 else max(x0, x1)) + out
    label_x, label_y = (x0 + 6 * ext + x1) / 8, (y0 + y1) / 2
    return f"M{x0:.1f},{y0:.1f} C{ext:.1f},{y0:.1f} {ext:.1f},{y1:.1f} {x1:.1f},{y1:.1f}", label_x, label_y


def _wrap(names: list[str]) -> list[str]:
    lines: list[str] = []
    for name in names:
        if lines and len(lines[-1]) + len(name) + 2 <= ROLES_PER_LINE:
            lines[-1] += f", {name}"
        else:
            lines.append(name)
    return lines


def layout(t: Translator, flow: dict[str, Any], role_names: dict[str, str]) -> Diagram:
    """Where every state's box and every action's curve goes (deterministic: same flow, same picture)."""
    code = str(flow.get("businessService") or "")
    states = [s for s in flow.get("states") or [] if isinstance(s, dict)]
    by_uuid = {str(s.get("uuid")): s for s in states}
    depth = layers(states)
    rows: dict[int, list[str]] = {}
    for uuid, layer in depth.items():
        rows.setdefault(layer, []).append(uuid)
    widest = max((len(row) for row in rows.values()), default=1)
    width = 2 * MARGIN + widest * NODE_W + (widest - 1) * GAP_X + 6 * BEND  # room for the actions going back
    nodes: dict[str, Node] = {}
    for layer, row in rows.items():
        span = len(row) * NODE_W + (len(row) - 1) * GAP_X
        for i, uuid in enumerate(row):
            state = by_uuid[uuid]
            nodes[uuid] = Node(
                key=str(state.get("state") or "START"),
                x=(width - span) / 2 + i * (NODE_W + GAP_X),
                y=MARGIN + layer * (NODE_H + GAP_Y),
                label=state_label(t, code, state),
                sla=duration(t, state.get("sla")),
                start=bool(state.get("isStartState")),
                terminal=bool(state.get("isTerminateState")),
            )
    diagram = Diagram(width=width, height=2 * MARGIN + len(rows) * (NODE_H + GAP_Y) - GAP_Y, nodes=list(nodes.values()))
    actions = [
        (uuid, str(a.get("nextState")), a)
        for uuid in depth
        for a in by_uuid[uuid].get("actions") or []
        if isinstance(a, dict) and str(a.get("nextState")) in nodes
    ]
    ends: dict[tuple[str, str], list[tuple[float, int, str]]] = {}  # (state, side) -> (other end's x, action, end)
    for i, (source, target, _) in enumerate(actions):
        out_side, in_side = _sides(nodes[source], nodes[target], width / 2)
        ends.setdefault((source, out_side), []).append((nodes[target].cx, i, "out"))
        ends.setdefault((target, in_side), []).append((nodes[source].cx, i, "in"))
    points: dict[tuple[int, str], tuple[float, float]] = {}
    for (uuid, side), found in ends.items():
        for k, (_, i, which) in enumerate(sorted(found)):
            points[(i, which)] = _port(nodes[uuid], side, k, len(found))
    lanes: dict[tuple[str, str], int] = {}
    for i, (source, target, action) in enumerate(actions):
        lane = lanes[(source, target)] = lanes.get((source, target), -1) + 1
        a, b = nodes[source], nodes[target]
        start, end = points[(i, "out")], points[(i, "in")]
        if b.y < a.y:  # back up, around the outside
            out = BEND * (1.5 + lane / 2)
            path, label_x, label_y = _around(start, end, -out if start[0] < width / 2 else out)
        else:  # down: straight to the next layer, bowed past the boxes when it skips one or stays in its own
            bend = BEND if b.y - a.y > GAP_Y + NODE_H or b.y == a.y else 0
            path, label_x, label_y = _curve(start, end, bend + lane * BEND / 2)
        name = str(action.get("action") or "")
        roles = _wrap([role_names.get(r, r) for r in action.get("roles") or []])
        diagram.edges.append(Edge(path, label_x, label_y, t(f"CS_ACTION_{name}", default=name), roles))
    return diagram


def rows_of(t: Translator, flow: dict[str, Any], role_names: dict[str, str]) -> list[dict[str, Any]]:
    """The same content as a table: each state, its SLA, and its actions with their next state and roles."""
    code = str(flow.get("businessService") or "")
    states = [s for s in flow.get("states") or [] if isinstance(s, dict)]
    label_of = {str(s.get("uuid")): state_label(t, code, s) for s in states}
    order = list(layers(states))
    ordered = sorted(states, key=lambda s: order.index(str(s.get("uuid"))))
    return [
        {
            "state": label_of[str(s.get("uuid"))],
            "sla": duration(t, s.get("sla")),
            "actions": [
                {
                    "action": t(f"CS_ACTION_{a.get('action')}", default=str(a.get("action") or "")),
                    "next": label_of.get(str(a.get("nextState")), str(a.get("nextState") or "")),
                    "roles": ", ".join(role_names.get(r, r) for r in a.get("roles") or []),
                }
                for a in s.get("actions") or []
                if isinstance(a, dict)
            ],
        }
        for s in ordered
    ]


async def _role_names(web: WebContext) -> dict[str, str]:
    """Role code -> its name: DIGIT's message `ACCESSCONTROL_ROLES_ROLES_<CODE>`, else the role's MDMS name."""
    mdms = web.platform.get(MDMS_CLIENT)
    records = await mdms.get_master(tenant_id=web.state_id, module="ACCESSCONTROL-ROLES", master="roles")
    return {
        str(r["code"]): web.t(
            f"ACCESSCONTROL_ROLES_ROLES_{code_of(str(r['code']))}", default=str(r.get("name") or r["code"])
        )
        for r in records
        if isinstance(r, dict) and r.get("code")
    }


Text = Annotated[str, Query(max_length=256)]


@router.get(WORKFLOW.path)
async def workflow_page(web: WebDep, tenant: Text = "", businessService: Text = "") -> Response:
    """Choose a tenant and a business service; see its diagram, its SLA and the same as a table."""
    desk = await open_desk(web, WORKFLOW)
    if not isinstance(desk, Desk):
        return desk
    tenant_id = tenant_of(web, tenant or web.city)
    try:
        body = await web.backend.post(SEARCH, tenantId=tenant_id)
    except ApiError as error:
        return await desk.render("admin/workflow.html", status=400, error=web.error_text(error), **_empty(web))
    flows = [f for f in body.get("BusinessServices") or [] if isinstance(f, dict)]
    codes = [str(f.get("businessService")) for f in flows]
    chosen = businessService or (codes[0] if codes else "")
    flow = next((f for f in flows if f.get("businessService") == chosen), None)
    context = _empty(web) | {"tenant": tenant_id, "codes": codes, "chosen": chosen}
    if flow is None:  # none configured here, or not the one asked for
        return await desk.render("admin/workflow.html", status=404 if businessService else 200, **context)
    names = await _role_names(web)
    drawn = {
        "flow": flow,
        "diagram": layout(web.t, flow, names),
        "rows": rows_of(web.t, flow, names),
        "service_sla": duration(web.t, flow.get("businessServiceSla")),
        "node_w": NODE_W,
        "node_h": NODE_H,
    }
    return await desk.render("admin/workflow.html", **(context | drawn))


def _empty(web: WebContext) -> dict[str, Any]:
    return {"tenants": tenants(web), "tenant": web.city, "codes": [], "chosen": "", "flow": None, "error": ""}
