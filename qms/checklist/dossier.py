"""The checklist's dossier section: each framework dimension and item with narrative, score and evidence."""
from __future__ import annotations

from flask_babel import gettext as _

from qms import records
from qms.charts import data_uri, radar
from qms.checklist import services
from qms.core.routes import local_today
from qms.evidence import services as evidence
from qms.evidence.models import EvidenceKind
from qms.pdf import IMAGE_TYPES


def evidence_title(entry, linked: dict) -> str:
    if entry.kind == EvidenceKind.RECORD:
        record_type = records.get(entry.record_type)
        title = linked.get(entry.id, (entry.title, None))[0]
        return f"{record_type.label}：{title}" if record_type else title
    return str(entry)


def gather(context) -> dict | None:
    assessments = services.assessments_of(context.cycle)
    if not assessments:
        return None
    frameworks = []
    for assessment in assessments:
        view = services.checklist_view(assessment, local_today())
        entries = evidence.for_subjects("assessment_item", [row.item.id for row in view.rows])
        linked = evidence.links([e for found in entries.values() for e in found])
        cited = {}
        for row in view.rows:
            node = row.item.node
            where = f"{node.code} {context.text(node)}"
            cited[row.item.id] = [
                (entry, evidence_title(entry, linked),
                 context.cite(("evidence", entry.id), evidence_title(entry, linked), entry.kind.label, where),
                 entry.kind == EvidenceKind.FILE and entry.content_type in IMAGE_TYPES)
                for entry in entries.get(row.item.id, [])]
        figures = services.top_level_figures(view, name=context.text)
        chart = None
        if len(figures) >= 3:
            chart = data_uri(radar([label for label, _score, _ready in figures],
                                   [(_("Readiness (%)"), [ready for _label, _score, ready in figures])]))
        frameworks.append({"assessment": assessment, "view": view, "cited": cited, "chart": chart})
    return {"frameworks": frameworks}
