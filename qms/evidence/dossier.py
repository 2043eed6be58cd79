"""Evidence in the application dossier: the helper every section uses to cite a record's evidence."""
from __future__ import annotations

from flask_babel import ngettext

from qms.evidence import services as evidence
from qms.evidence.models import EvidenceKind
from qms.pdf import IMAGE_TYPES
from qms.spine import clock, records
from qms.spine.sections import GatherContext


def _outside(count: int) -> str:
    return ngettext("%(num)d piece of evidence linking to a record outside the period",
                    "%(num)d pieces of evidence linking to records outside the period", count)


def _expired(count: int) -> str:
    return ngettext("%(num)d piece of evidence past its expiry date",
                    "%(num)d pieces of evidence past their expiry date", count)


def cite_evidence(context: GatherContext, subject_type: str, where: dict[int, str]) -> dict[int, list]:
    """The evidence of each subject (id -> where it is cited, as printed), cited in the evidence index:
    subject id -> [(entry, title, anchor, is an image to print)]. One query per record type.

    Evidence that links to a QMS record outside the dossier's award cycle or period (a drill of another year,
    say) is left out, and the context notes how much."""
    found_entries = evidence.for_subjects(subject_type, list(where))
    targets = records.load_many((entry.record_type, entry.record_id) for found in found_entries.values()
                                for entry in found if entry.kind == EvidenceKind.RECORD)

    def belongs(entry) -> bool:
        target = targets.get((entry.record_type, entry.record_id)) if entry.kind == EvidenceKind.RECORD else None
        return target is None or context.covers(target)

    # Expired evidence no longer supports its item (it stops counting toward readiness): it is not cited either.
    today = clock.today()
    current = {subject_id: [entry for entry in found if entry.expires_on is None or entry.expires_on >= today]
               for subject_id, found in found_entries.items()}
    context.left_out(sum(map(len, found_entries.values())) - sum(map(len, current.values())), _expired)
    entries = {subject_id: [entry for entry in found if belongs(entry)] for subject_id, found in current.items()}
    context.left_out(sum(map(len, current.values())) - sum(map(len, entries.values())), _outside)
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
