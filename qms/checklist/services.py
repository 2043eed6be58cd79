"""Rules and writes of the checklist: frameworks, assessments, items, evidence, import and export."""
from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import select

from qms import imports, uploads
from qms.auth.models import User
from qms.checklist import frameworks as framework_files
from qms.checklist import readiness
from qms.checklist.models import ITEM_STATUS_LABELS, Assessment, AssessmentItem, Framework, FrameworkNode, ItemStatus
from qms.checklist.scales import allowed_scores
from qms.core import audit
from qms.core.models import AwardCycle
from qms.core.services import ServiceError, delete_record, save_record
from qms.evidence import services as evidence
from qms.evidence.models import Evidence
from qms.extensions import db
from qms.i18n import rounded
from qms.spine import clock
from qms.spine.access import Role

ITEM_FIELDS = ("owner_id", "due_date", "status", "score", "target_score", "narrative", "strengths", "opportunities")
LOCALES = ("zh_Hant_TW", "en")
OWNER_FIELDS = ("status", "score", "target_score", "narrative", "strengths", "opportunities")


# --- frameworks -------------------------------------------------------------------------------

def latest_version(key: str) -> Framework | None:
    return db.session.scalars(select(Framework).where(Framework.key == key)
                              .order_by(Framework.version.desc()).limit(1)).first()


def list_frameworks() -> list[Framework]:
    return list(db.session.scalars(select(Framework).order_by(Framework.key, Framework.version.desc())))


def import_framework(text: str, source_name: str, actor) -> tuple[Framework, bool]:
    """Validate and store a framework file; a changed file becomes a new version. Returns (framework, created)."""
    spec = framework_files.parse(text)  # raises FrameworkError: nothing is stored
    latest = latest_version(spec.key)
    if latest is not None and latest.content_sha256 == spec.sha256:
        return latest, False
    framework = Framework(
        key=spec.key, version=(latest.version + 1) if latest else 1, edition=spec.edition, name_zh=spec.name_zh,
        name_en=spec.name_en, description_zh=spec.description_zh, description_en=spec.description_en,
        scale=spec.scale, points_add_up=spec.points_add_up, total_points=spec.total_points,
        points_note_zh=spec.points_note_zh, points_note_en=spec.points_note_en, source_name=source_name[:200],
        source_text=text, content_sha256=spec.sha256, imported_by_id=getattr(actor, "id", None))
    db.session.add(framework)
    by_code: dict[str, FrameworkNode] = {}
    for position, node_spec in enumerate(_depth_first(spec.nodes)):
        node = FrameworkNode(
            framework=framework, parent=by_code.get(node_spec.parent), code=node_spec.code,
            name_zh=node_spec.name_zh, name_en=node_spec.name_en, guidance_zh=node_spec.guidance_zh,
            guidance_en=node_spec.guidance_en, points=node_spec.points, kind=node_spec.kind, depth=node_spec.depth,
            position=position)
        db.session.add(node)
        by_code[node_spec.code] = node
    db.session.flush()
    audit.record_event(audit.CREATE, framework, actor, changes={
        "key": [None, framework.key], "version": [None, framework.version], "edition": [None, framework.edition],
        "source_name": [None, framework.source_name], "items": [None, len(spec.nodes)]})
    db.session.commit()
    return framework, True


def _depth_first(nodes):
    """Each node right after its parent's earlier children, in the file's order (files may list them any way)."""
    children = defaultdict(list)
    for node in nodes:
        children[node.parent].append(node)
    result = []

    def walk(parent):
        for node in children.get(parent, []):
            result.append(node)
            walk(node.code)

    walk(None)
    return result


def import_shipped(actor=None) -> list[Framework]:
    """Import (or bring up to date) the frameworks shipped in qms/checklist/frameworks/."""
    imported = []
    for path in framework_files.shipped_files():
        framework, _created = import_framework(path.read_text(encoding="utf-8"), path.name, actor)
        imported.append(framework)
    return imported


# --- assessments ------------------------------------------------------------------------------

def assessments_of(cycle: AwardCycle) -> list[Assessment]:
    return list(db.session.scalars(select(Assessment).where(Assessment.award_cycle_id == cycle.id)
                                   .order_by(Assessment.id)))


def all_assessments() -> list[Assessment]:
    return list(db.session.scalars(select(Assessment).join(AwardCycle)
                                   .order_by(AwardCycle.year.desc(), Assessment.id)))


def adopt(cycle: AwardCycle, framework: Framework, actor) -> Assessment:
    """The cycle assesses itself against this framework version: one item per leaf criterion."""
    for existing in assessments_of(cycle):
        if existing.framework.key == framework.key:
            raise ServiceError(_("This cycle already uses a version of this framework."), field="framework_id")
    assessment = Assessment(award_cycle_id=cycle.id, framework_id=framework.id)
    db.session.add(assessment)
    parents = {node.parent_id for node in framework.nodes}
    for node in framework.nodes:
        if node.id not in parents:
            db.session.add(AssessmentItem(assessment=assessment, node_id=node.id))
    db.session.flush()
    audit.record_event(audit.CREATE, assessment, actor, changes={
        "award_cycle": [None, str(cycle)], "framework": [None, f"{framework.key} v{framework.version}"]})
    db.session.commit()
    return assessment


def delete_assessment(assessment: Assessment, actor) -> None:
    stored = evidence.delete_all_of("assessment_item", [item.id for item in assessment.items], actor)
    delete_record(assessment, actor)
    for name in stored:
        uploads.discard(name)


def can_edit(user, item: AssessmentItem) -> bool:
    if user.has_role(Role.QUALITY):
        return True
    return user.role == Role.STAFF and item.owner_id == user.id


def editable_fields(user, item: AssessmentItem) -> tuple[str, ...]:
    if user.has_role(Role.QUALITY):
        return ITEM_FIELDS
    return OWNER_FIELDS if can_edit(user, item) else ()


def update_item(item: AssessmentItem, values: Mapping[str, Any], actor) -> AssessmentItem:
    allowed = editable_fields(actor, item)
    if not allowed:
        raise PermissionError
    data = {key: values[key] for key in allowed if key in values}
    if "status" in data:
        data["status"] = ItemStatus(data["status"])
    scale = item.assessment.framework.scale
    for key in ("score", "target_score"):
        if data.get(key) is not None and data[key] not in allowed_scores(scale):
            raise ServiceError(_("This score is not on the framework's scale."), field=key)
    if data.get("owner_id") is not None and db.session.get(User, data["owner_id"]) is None:
        raise ServiceError(_("No such user."), field="owner_id")
    return save_record(item, data, actor)


# --- the checklist page -----------------------------------------------------------------------

@dataclass
class ItemRow:
    item: AssessmentItem
    readiness: float
    evidence_count: int
    overdue: bool
    expiring: int  # evidence that lapses before the deadline
    missing_points: float = 0.0
    lapsed: bool = False  # it has evidence, all of it expired: readiness capped (readiness.LAPSED_CAP)
    expired: int = 0  # evidence already expired, which no longer counts


@dataclass
class DimensionRow:
    node: FrameworkNode
    figures: readiness.Rollup
    items: list[ItemRow] = field(default_factory=list)
    children: list[DimensionRow] = field(default_factory=list)


@dataclass
class ChecklistView:
    assessment: Assessment
    figures: readiness.Figures
    dimensions: list[DimensionRow]
    rows: list[ItemRow]
    gaps_by_points: list[ItemRow]
    overdue: list[ItemRow]
    without_evidence: list[ItemRow]
    expiring: list[tuple[ItemRow, Evidence]]


def checklist_view(assessment: Assessment, today: dt.date) -> ChecklistView:
    """Everything the checklist page shows, in a fixed number of queries whatever the item count."""
    nodes = list(db.session.scalars(select(FrameworkNode).where(FrameworkNode.framework_id == assessment.framework_id)
                                    .order_by(FrameworkNode.position)))
    items = list(db.session.scalars(select(AssessmentItem).where(AssessmentItem.assessment_id == assessment.id)))
    evidence_by_item = evidence.for_subjects(
        "assessment_item", select(AssessmentItem.id).where(AssessmentItem.assessment_id == assessment.id))
    deadline = assessment.award_cycle.submission_deadline

    by_id = {node.id: node for node in nodes}
    children: dict[int | None, list[FrameworkNode]] = defaultdict(list)
    for node in nodes:
        children[node.parent_id].append(node)

    def ancestors(node: FrameworkNode) -> tuple[int, ...]:
        chain = []
        while node.parent_id is not None:
            node = by_id[node.parent_id]
            chain.append(node.id)
        return tuple(reversed(chain))

    item_by_node = {item.node_id: item for item in items}
    lapsed = {item.id for item in items
              if readiness.is_lapsed((e.expires_on for e in evidence_by_item.get(item.id, [])), today)}
    leaves = [readiness.Leaf(node_id=item.node_id, points=by_id[item.node_id].points, status=item.status,
                             score=item.score, ancestors=ancestors(by_id[item.node_id]), lapsed=item.id in lapsed)
              for item in items]
    figures = readiness.compute(leaves)

    rows_by_node: dict[int, ItemRow] = {}
    for item in items:
        entries = evidence_by_item.get(item.id, [])
        current = sum(1 for e in entries if evidence.is_current(e.expires_on, today))
        rows_by_node[item.node_id] = ItemRow(
            item=item, readiness=readiness.item_readiness(item.status, item.score, item.id in lapsed),
            evidence_count=current, lapsed=item.id in lapsed, expired=len(entries) - current,
            overdue=readiness.is_overdue(item.due_date, item.status, today),
            expiring=sum(1 for e in entries if readiness.expires_before(e.expires_on, deadline, today)),
            missing_points=readiness.missing_points(by_id[item.node_id].points, item.score))

    def build(node: FrameworkNode) -> DimensionRow:
        row = DimensionRow(node=node, figures=figures.by_node.get(node.id) or readiness.compute([]).overall)
        for child in children.get(node.id, []):
            if child.id in item_by_node:
                row.items.append(rows_by_node[child.id])
            else:
                row.children.append(build(child))
        return row

    dimensions = []
    top_items = []
    for node in children.get(None, []):
        if node.id in item_by_node:
            top_items.append(rows_by_node[node.id])  # a flat framework: its top-level nodes are the items
        else:
            dimensions.append(build(node))
    ordered_rows = [rows_by_node[node.id] for node in nodes if node.id in rows_by_node]
    gaps = sorted(ordered_rows, key=lambda r: -r.missing_points)
    expiring = [(rows_by_node[item.node_id], entry) for item in items for entry in evidence_by_item.get(item.id, [])
                if readiness.expires_before(entry.expires_on, deadline, today)]
    if top_items:
        dimensions.insert(0, DimensionRow(node=None, figures=figures.overall, items=top_items))
    return ChecklistView(
        assessment=assessment, figures=figures, dimensions=dimensions, rows=ordered_rows,
        gaps_by_points=[r for r in gaps if r.missing_points > 0][:10],
        overdue=[r for r in ordered_rows if r.overdue],
        without_evidence=[r for r in ordered_rows if r.evidence_count == 0],
        expiring=expiring)


def top_level_figures(view: ChecklistView, name=lambda node: node.name_zh) -> list[tuple[str, float, float]]:
    """(code and name, score, readiness) per top-level dimension, or per item of a flat framework. The name is
    whole: the radar chart wraps or shortens it where it must (keeping the full text), the table wraps it."""
    def label(node):
        return f"{node.code} {name(node)}"

    result = []
    for dimension in view.dimensions:
        if dimension.node is None:
            result.extend((label(row.item.node), float(row.item.score or 0), row.readiness) for row in dimension.items)
        else:
            result.append((label(dimension.node), dimension.figures.score or 0, dimension.figures.readiness or 0))
    return result


def item_readiness(item: AssessmentItem, entries: list[Evidence], today: dt.date) -> tuple[float, bool]:
    """(readiness, lapsed) of one item given its evidence, for its own page."""
    lapsed = readiness.is_lapsed((e.expires_on for e in entries), today)
    return readiness.item_readiness(item.status, item.score, lapsed), lapsed


def lapsed_column(today: dt.date):
    """A boolean column for a query over items: the item has evidence and all of it has expired (in SQL)."""
    return AssessmentItem.id.in_(evidence.lapsed_subjects("assessment_item", today))


def readiness_of(assessments: list[Assessment], today: dt.date | None = None) -> dict[int, readiness.Rollup]:
    """Overall figures of several assessments in two queries (for the dashboard)."""
    if not assessments:
        return {}
    today = today or clock.today()
    ids = [a.id for a in assessments]
    rows = db.session.execute(
        select(AssessmentItem.assessment_id, AssessmentItem.status, AssessmentItem.score, FrameworkNode.points,
               lapsed_column(today))
        .join(FrameworkNode, FrameworkNode.id == AssessmentItem.node_id)
        .where(AssessmentItem.assessment_id.in_(ids))).all()
    leaves = defaultdict(list)
    for assessment_id, status, score, points, lapsed in rows:
        leaves[assessment_id].append(readiness.Leaf(node_id=0, points=points, status=status, score=score,
                                                    lapsed=bool(lapsed)))
    return {assessment_id: readiness.compute(leaves[assessment_id]).overall for assessment_id in ids}


def owned_items(user, assessments: list[Assessment], today: dt.date) -> tuple[int, int]:
    """(items the user owns, of which overdue) across these assessments, in one query."""
    if not assessments:
        return 0, 0
    rows = db.session.execute(select(AssessmentItem.due_date, AssessmentItem.status).where(
        AssessmentItem.assessment_id.in_([a.id for a in assessments]), AssessmentItem.owner_id == user.id)).all()
    return len(rows), sum(1 for due, status in rows if readiness.is_overdue(due, status, today))


# --- export and import ------------------------------------------------------------------------

EXPORT_COLUMNS = ("code", "item", "points", "owner", "due_date", "status", "score", "target_score", "readiness",
                  "evidence", "narrative", "strengths", "opportunities")
# Column widths in characters (XLSX): the long texts get room to be read without widening a column first.
EXPORT_WIDTHS = {"code": 8, "item": 36, "points": 8, "owner": 16, "due_date": 12, "status": 12, "score": 10,
                 "target_score": 12, "readiness": 12, "evidence": 10, "narrative": 60, "strengths": 40,
                 "opportunities": 40}
IMPORT_COLUMNS = ("code", "owner", "due_date", "status")


def column_labels() -> dict[str, str]:
    return {"code": _("Code"), "item": _("Item"), "points": _("Points"), "owner": _("Owner (username)"),
            "due_date": _("Due date"), "status": _("Status"), "score": _("Score (%)"),
            "target_score": _("Target score (%)"), "readiness": _("Readiness (%)"), "evidence": _("Evidence"),
            "narrative": _("Narrative"), "strengths": _("Strengths"),
            "opportunities": _("Opportunities for improvement")}


def export_rows(view: ChecklistView, chinese: bool) -> list[list]:
    labels = column_labels()
    rows: list[list] = [[labels[column] for column in EXPORT_COLUMNS]]
    for row in view.rows:
        item, node = row.item, row.item.node
        rows.append([node.code, node.name_zh if chinese else node.name_en, float(node.points),
                     item.owner.username if item.owner else "", item.due_date, str(item.status.label),
                     item.score, item.target_score, float(rounded(row.readiness, 1)), row.evidence_count,
                     item.narrative, item.strengths, item.opportunities])
    return rows


def export_widths() -> list[int]:
    return [EXPORT_WIDTHS[column] for column in EXPORT_COLUMNS]



def _status_from(text: str) -> ItemStatus | None:
    """A status from its stored value or its label in either language (a file may come from either)."""
    text = str(text).strip()
    for status in ItemStatus:
        if text.lower() in (status.value, status.value.replace("_", " ")):
            return status
    for locale in LOCALES:
        with force_locale(locale):
            for status, label in ITEM_STATUS_LABELS.items():
                if text == str(label):
                    return status
    return None


def import_assignments(assessment: Assessment, table: list[list], actor) -> int:
    """Owner, due date and status per item code; all rows or none. Returns how many items changed."""
    columns = imports.locate_columns(table, imports.column_names(EXPORT_COLUMNS, column_labels), required=("code",),
                                     missing=_("The first row must name the columns; a Code column is needed."))
    items_by_code = {item.node.code: item for item in db.session.scalars(
        select(AssessmentItem).where(AssessmentItem.assessment_id == assessment.id))}
    users = {user.username: user for user in db.session.scalars(select(User))}
    seen: dict[str, int] = {}  # item code -> the row that first named it
    return imports.import_rows(table, columns, lambda row: _assignment_from(row, items_by_code, users, seen),
                               lambda planned: _apply_assignments(planned, actor))


def _assignment_from(row: imports.Row, items_by_code: Mapping[str, AssessmentItem], users: Mapping[str, User],
                     seen: dict[str, int]) -> tuple[AssessmentItem, dict]:
    """The item a row names and the values it gives; only the columns the file has are changed."""
    code = row.text("code")
    if code.endswith(".0") and code[:-2].isdigit():
        code = code[:-2]  # spreadsheets turn the code 1 into the number 1.0
    item = items_by_code.get(code)
    if item is None:
        raise imports.RowProblem(_("No item with code %(code)s.", code=code or "—"))
    if code in seen:
        raise imports.RowProblem(_("Code %(code)s also appears on row %(row)d.", code=code, row=seen[code]))
    seen[code] = row.number
    values = {}
    if "owner" in row.columns:
        username = row.text("owner")
        if username and (username not in users or not users[username].active):
            raise imports.RowProblem(_("No active user %(name)s.", name=username))
        values["owner_id"] = users[username].id if username else None
    if "due_date" in row.columns:
        try:
            values["due_date"] = imports.parse_date(row.cell("due_date"))
        except ValueError:
            raise imports.RowProblem(_("The due date must be a date (YYYY-MM-DD).")) from None
    if row.text("status"):
        status = _status_from(row.cell("status"))
        if status is None:
            raise imports.RowProblem(_("Unknown status %(status)s.", status=row.cell("status")))
        values["status"] = status
    return item, values


def _apply_assignments(planned: list[tuple[AssessmentItem, dict]], actor) -> int:
    changed = 0
    for item, values in planned:
        changes = audit.apply_changes(item, values)
        if changes:
            audit.record_event(audit.UPDATE, item, actor, changes=changes)
            changed += 1
    return changed


# --- comparing two cycles ---------------------------------------------------------------------

@dataclass
class CompareRow:
    code: str
    name_zh: str
    name_en: str
    left: AssessmentItem | None
    right: AssessmentItem | None

    @property
    def changed(self) -> bool:
        if self.left is None or self.right is None:
            return True
        return (self.left.score, self.left.status) != (self.right.score, self.right.status)


def compare(left: Assessment, right: Assessment) -> list[CompareRow]:
    """Items of two assessments side by side, matched by code (versions of a framework keep their codes)."""
    def items_of(assessment):
        return {item.node.code: item for item in db.session.scalars(
            select(AssessmentItem).where(AssessmentItem.assessment_id == assessment.id))}

    left_items, right_items = items_of(left), items_of(right)
    order = [n.code for n in db.session.scalars(select(FrameworkNode).where(
        FrameworkNode.framework_id == left.framework_id).order_by(FrameworkNode.position))]
    order += [code for code in right_items if code not in left_items]
    rows = []
    for code in order:
        a, b = left_items.get(code), right_items.get(code)
        if a is None and b is None:
            continue
        node = (a or b).node
        rows.append(CompareRow(code=code, name_zh=node.name_zh, name_en=node.name_en, left=a, right=b))
    return rows
