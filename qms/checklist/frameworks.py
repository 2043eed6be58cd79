"""Reading and validating framework files (YAML): every problem is reported with its line, nothing half-read.

The format (see qms/checklist/frameworks/*.yaml): key, edition, name, description, scale, points_add_up,
total_points, points_note and a flat list of items, each with code, parent (omitted at the top), name,
points, guidance and, for Baldrige, kind (process | results). Depth is at most 3.
"""
from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from flask_babel import gettext as _

from qms.checklist.models import Scale
from qms.yamlfiles import LINE, DataFileError, Problem, load, number, texts

SHIPPED_DIR = Path(__file__).resolve().parent / "frameworks"
MAX_DEPTH = 3
TOP_KEYS = {"key", "edition", "name", "description", "scale", "points_add_up", "total_points", "points_note", "items"}
ITEM_KEYS = {"code", "parent", "name", "points", "guidance", "kind"}
KEY_PATTERN = re.compile(r"^[a-z0-9][a-z0-9-]{0,59}$")


FrameworkError = DataFileError


@dataclass
class NodeSpec:
    code: str
    parent: str | None
    name_zh: str
    name_en: str
    guidance_zh: str
    guidance_en: str
    points: Decimal
    kind: str
    line: int | None
    depth: int = 1


@dataclass
class FrameworkSpec:
    key: str
    edition: str
    name_zh: str
    name_en: str
    description_zh: str
    description_en: str
    scale: Scale
    points_add_up: bool
    total_points: Decimal
    points_note_zh: str
    points_note_en: str
    nodes: list[NodeSpec] = field(default_factory=list)
    source_text: str = ""

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.source_text.encode("utf-8")).hexdigest()




_texts = texts


def parse(text: str) -> FrameworkSpec:
    """Parse and validate a framework file; raise FrameworkError listing every problem found."""
    data = load(text)
    if not isinstance(data, dict):
        raise FrameworkError([Problem(1, _("A framework file must be a mapping with key, name, scale and items."))])
    problems: list[Problem] = []
    top_line = data.get(LINE, 1)
    for unknown in sorted(set(data) - TOP_KEYS - {LINE}):
        problems.append(Problem(top_line, _("Unknown field %(name)s.", name=unknown)))

    key = data.get("key")
    if not isinstance(key, str) or not KEY_PATTERN.match(key):
        problems.append(Problem(top_line, _("key must be lower-case letters, digits and dashes.")))
        key = ""
    name_zh, name_en = _texts(data.get("name"), top_line, "name", problems)
    description_zh, description_en = _texts(data.get("description"), top_line, "description", problems,
                                            required=False)
    note_zh, note_en = _texts(data.get("points_note"), top_line, "points_note", problems, required=False)
    try:
        scale = Scale(data.get("scale"))
    except ValueError:
        problems.append(Problem(top_line, _("scale must be one of: %(choices)s.",
                                            choices=", ".join(s.value for s in Scale))))
        scale = Scale.PERCENT
    points_add_up = data.get("points_add_up", True)
    if not isinstance(points_add_up, bool):
        problems.append(Problem(top_line, _("points_add_up must be true or false.")))
        points_add_up = True
    total_points = number(data.get("total_points", 0))
    if total_points is None or total_points < 0:
        problems.append(Problem(top_line, _("total_points must be a number of at least 0.")))
        total_points = Decimal(0)

    items = data.get("items")
    if not isinstance(items, list) or not items:
        problems.append(Problem(top_line, _("items must be a non-empty list.")))
        items = []
    nodes = _parse_items(items, problems)
    if not problems:
        _check_tree(nodes, problems)
    if not problems and points_add_up:
        _check_points(nodes, total_points, problems)
    if problems:
        raise FrameworkError(sorted(problems, key=lambda p: (p.line or 0)))
    return FrameworkSpec(key=key, edition=str(data.get("edition") or ""), name_zh=name_zh, name_en=name_en,
                         description_zh=description_zh, description_en=description_en, scale=scale,
                         points_add_up=points_add_up, total_points=total_points, points_note_zh=note_zh,
                         points_note_en=note_en, nodes=nodes, source_text=text)


def _parse_items(items: list, problems: list[Problem]) -> list[NodeSpec]:
    nodes: list[NodeSpec] = []
    seen: dict[str, int | None] = {}
    for index, item in enumerate(items, start=1):
        if not isinstance(item, dict):
            problems.append(Problem(None, _("Item %(number)d is not a mapping.", number=index)))
            continue
        line = item.get(LINE)
        for unknown in sorted(set(item) - ITEM_KEYS - {LINE}):
            problems.append(Problem(line, _("Unknown field %(name)s.", name=unknown)))
        code = item.get("code")
        code = str(code).strip() if isinstance(code, (str, int)) and not isinstance(code, bool) else ""
        if not code or len(code) > 30:
            problems.append(Problem(line, _("Every item needs a code of at most 30 characters.")))
            continue
        if code in seen:
            problems.append(Problem(line, _("The code %(code)s is used twice (first on line %(first)s).",
                                            code=code, first=seen[code])))
            continue
        seen[code] = line
        parent = item.get("parent")
        parent = str(parent).strip() if parent is not None else None
        name_zh, name_en = _texts(item.get("name"), line, _("The name of %(code)s", code=code), problems)
        guidance_zh, guidance_en = _texts(item.get("guidance"), line, "guidance", problems, required=False)
        points = number(item.get("points"))
        if points is None or points < 0:
            problems.append(Problem(line, _("%(code)s needs points: a number of at least 0.", code=code)))
            points = Decimal(0)
        kind = item.get("kind") or ""
        if kind not in ("", "process", "results"):
            problems.append(Problem(line, _("kind must be process or results.")))
        nodes.append(NodeSpec(code=code, parent=parent, name_zh=name_zh, name_en=name_en, guidance_zh=guidance_zh,
                              guidance_en=guidance_en, points=points, kind=kind, line=line))
    return nodes


def _check_tree(nodes: list[NodeSpec], problems: list[Problem]) -> None:
    by_code = {node.code: node for node in nodes}
    for node in nodes:
        if node.parent is not None and node.parent not in by_code:
            problems.append(Problem(node.line, _("%(code)s names a parent %(parent)s that does not exist.",
                                                 code=node.code, parent=node.parent)))
    if problems:
        return
    for node in nodes:
        chain, current = [node.code], node
        while current.parent is not None:
            if current.parent in chain:
                problems.append(Problem(node.line, _("%(code)s is its own ancestor (a cycle: %(chain)s).",
                                                     code=node.code, chain=" → ".join(chain + [current.parent]))))
                break
            chain.append(current.parent)
            current = by_code[current.parent]
        else:
            node.depth = len(chain)
            if node.depth > MAX_DEPTH:
                problems.append(Problem(node.line, _("%(code)s is %(depth)d levels deep; at most %(max)d are allowed.",
                                                     code=node.code, depth=node.depth, max=MAX_DEPTH)))


def _check_points(nodes: list[NodeSpec], total_points: Decimal, problems: list[Problem]) -> None:
    children: dict[str | None, list[NodeSpec]] = {}
    for node in nodes:
        children.setdefault(node.parent, []).append(node)
    top_sum = sum((node.points for node in children.get(None, [])), Decimal(0))
    if top_sum != total_points:
        problems.append(Problem(None, _("The top-level points add up to %(sum)s, not total_points %(total)s.",
                                        sum=_plain(top_sum), total=_plain(total_points))))
    for node in nodes:
        kids = children.get(node.code)
        if kids:
            kid_sum = sum((kid.points for kid in kids), Decimal(0))
            if kid_sum != node.points:
                problems.append(Problem(node.line, _(
                    "The points under %(code)s add up to %(sum)s, not its %(points)s.",
                    code=node.code, sum=_plain(kid_sum), points=_plain(node.points))))


def _plain(number: Decimal) -> str:
    return format(number.normalize(), "f")


def shipped_files() -> list[Path]:
    return sorted(SHIPPED_DIR.glob("*.yaml"))
