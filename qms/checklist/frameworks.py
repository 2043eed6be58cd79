"""Reading and validating framework files (YAML): every problem is reported with its line, nothing half-read.

The format (see qms/checklist/frameworks/*.yaml): key, edition, name, description, scale, points_add_up,
total_points, points_note and a flat list of items, each with code, parent (omitted at the top), name,
points, guidance and, for Baldrige, kind (process | results). Depth is at most 3.
"""
from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Annotated, Literal

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from pydantic import BeforeValidator, Field, PrivateAttr, StrictBool, StringConstraints, model_validator

from qms.checklist.models import Scale
from qms.yamlfiles import (
    DataFileError,
    Document,
    Entry,
    OptionalTexts,
    Plain,
    Problem,
    Texts,
    as_text,
    empty_if_none,
    refuse,
    used_twice,
)

SHIPPED_DIR = Path(__file__).resolve().parent / "frameworks"
MAX_DEPTH = 3

FrameworkError = DataFileError


# An unquoted 1.10 would read as the number 1.1: an item's code is text or a whole number.
ItemCode = Annotated[str, BeforeValidator(lambda value: str(value) if type(value) is int else value),
                     StringConstraints(strip_whitespace=True, min_length=1, max_length=30)]


class NodeSpec(Entry, extra="forbid"):
    problems = {"": _l("Item %(number)d is not a mapping."),
                "code": _l("Every item needs a code of at most 30 characters."),
                "parent": _l("%(code)s names a parent %(parent)s that does not exist."),
                "name": _l("The name of %(code)s"),
                "points": _l("%(code)s needs points: a number of at least 0."),
                "kind": _l("kind must be process or results.")}
    code: ItemCode
    parent: Annotated[str, BeforeValidator(as_text), StringConstraints(strip_whitespace=True)] | None = None
    name: Texts
    guidance: OptionalTexts | None = None
    points: Decimal = Field(ge=0)
    kind: Annotated[Literal["", "process", "results"], BeforeValidator(empty_if_none)] = ""
    _depth: int = PrivateAttr(1)

    @property
    def depth(self) -> int:
        return self._depth


class FrameworkSpec(Document, extra="forbid"):
    problems = {"": _l("A framework file must be a mapping with key, name, scale and items."),
                "key": _l("key must be lower-case letters, digits and dashes."),
                "scale": _l("scale must be one of: %(choices)s."),
                "points_add_up": _l("points_add_up must be true or false."),
                "total_points": _l("total_points must be a number of at least 0."),
                "items": _l("items must be a non-empty list.")}
    key: str = Field(pattern=r"^[a-z0-9][a-z0-9-]{0,59}$")
    edition: Plain = ""
    name: Texts
    description: OptionalTexts | None = None
    scale: Scale
    points_add_up: StrictBool = True
    total_points: Decimal = Field(Decimal(0), ge=0)
    points_note: OptionalTexts | None = None
    nodes: list[NodeSpec] = Field(validation_alias="items", min_length=1)

    @model_validator(mode="after")
    def _a_sound_tree(self) -> FrameworkSpec:
        refuse(used_twice(self.nodes))
        by_code = {node.code: node for node in self.nodes}
        refuse([Problem(node.line, _("%(code)s names a parent %(parent)s that does not exist.",
                                     code=node.code, parent=node.parent))
                for node in self.nodes if node.parent is not None and node.parent not in by_code])
        refuse(_cycles_and_depth(self.nodes, by_code))
        if self.points_add_up:
            refuse(_points_that_do_not_add_up(self.nodes, self.total_points))
        return self


parse = FrameworkSpec.from_yaml  # raises FrameworkError listing every problem found


def _cycles_and_depth(nodes: list[NodeSpec], by_code: dict[str, NodeSpec]) -> list[Problem]:
    problems = []
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
            node._depth = len(chain)
            if node.depth > MAX_DEPTH:
                problems.append(Problem(node.line, _("%(code)s is %(depth)d levels deep; at most %(max)d are allowed.",
                                                     code=node.code, depth=node.depth, max=MAX_DEPTH)))
    return problems


def _points_that_do_not_add_up(nodes: list[NodeSpec], total_points: Decimal) -> list[Problem]:
    children: dict[str | None, list[NodeSpec]] = {}
    for node in nodes:
        children.setdefault(node.parent, []).append(node)
    problems = []
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
    return problems


def _plain(number: Decimal) -> str:
    return format(number.normalize(), "f")


def shipped_files() -> list[Path]:
    return sorted(SHIPPED_DIR.glob("*.yaml"))
