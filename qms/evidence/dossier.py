"""Evidence in the application dossier: the helper every section uses to cite a record's evidence."""
from __future__ import annotations

from qms.evidence import services as evidence
from qms.evidence.models import EvidenceKind
from qms.pdf import IMAGE_TYPES
from qms.spine import records
from qms.spine.sections import GatherContext


def cite_evidence(context: GatherContext, subject_type: str, where: dict[int, str]) -> dict[int, list]:
    """The evidence of each subject (id -> where it is cited, as printed), cited in the evidence index:
    subject id -> [(entry, title, anchor, is an image to print)]. One query per record type."""
    entries = evidence.for_subjects(subject_type, list(where))
    linked = evidence.links([entry for found in entries.values() for entry in found])

    def title_of(entry) -> str:
        if entry.kind == EvidenceKind.RECORD:
            record_type = records.get(entry.record_type)
            title = linked.get(entry.id, (entry.title, None))[0]
            return f"{record_type.label}：{title}" if record_type else title
        return str(entry)

    return {subject_id: [(entry, title_of(entry),
                          context.cite(("evidence", entry.id), title_of(entry), entry.kind.label, place),
                          entry.kind == EvidenceKind.FILE and entry.content_type in IMAGE_TYPES)
                         for entry in entries.get(subject_id, [])]
            for subject_id, place in where.items()}
