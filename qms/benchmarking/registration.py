"""The benchmarking register's record types, navigation and dashboard card."""
from flask import Flask, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from qms.benchmarking import dossier, services, slides
from qms.benchmarking.forms import MetricForm, NoteForm, PeerForm, ValueForm
from qms.benchmarking.models import DECISION_LABELS, BenchmarkMetric, BenchmarkNote, MetricValue, PeerOrganization
from qms.i18n import localized, user_text
from qms.spine import records
from qms.spine.navigation import Card, register_card, register_nav
from qms.spine.sections import Section, register_section
from qms.spine.slides import SlideKind, register_slide_kind


def _labels(form_class, names) -> dict:
    return {n: getattr(form_class, n).args[0] for n in names if hasattr(form_class, n)}


def _note_summary(note: BenchmarkNote) -> str:
    parts = [note.practice, note.why_it_works]
    return "\n\n".join(part for part in parts if part)


def benchmarking_card(user, cycle) -> Card | None:
    year = services.default_year()
    office = services.self_row()
    if year is None or office is None:
        return None
    comparison = services.compare(year, valued_only=True)
    lines = []
    for column in comparison.columns:
        cell = comparison.cells[(office.id, column.metric.id)]
        if cell.rank:
            lines.append((user_text(localized(column.metric, "name")),
                          _("rank %(rank)d of %(count)d", rank=cell.rank, count=column.ranked)))
    return Card(title=_("Benchmarking %(year)d", year=year), lines=lines,
                link=url_for("benchmarking.index"), link_text=_("Open the comparison"))


def register(app: Flask) -> None:
    records.register(records.RecordType(
        "peer_organization", PeerOrganization, _l("Peer organization"), endpoint="benchmarking.peer",
        url_kwarg="peer_id", title=lambda peer: localized(peer, "name"),
        field_labels=_labels(PeerForm, services.PEER_FIELDS)))
    records.register(records.RecordType("benchmark_metric", BenchmarkMetric, _l("Benchmarking metric"),
                                        endpoint="benchmarking.metrics", url_kwarg=None,
                                        title=lambda metric: localized(metric, "name"),
                                        field_labels=_labels(MetricForm, services.METRIC_FIELDS)))
    records.register(records.RecordType(
        "metric_value", MetricValue, _l("Benchmarking value"),
        field_labels={**_labels(ValueForm, ("year", "value", "source", "source_date")),
                      "peer_id": _l("Office or organization"), "metric_id": _l("Metric")}))
    records.register(records.RecordType(
        "benchmark_note", BenchmarkNote, _l("Benchmarking note"), endpoint="benchmarking.note", url_kwarg="note_id",
        evidence=True, can_edit=services.can_edit, summary=_note_summary, when=lambda note: note.visited_on,
        search=records.SearchSpec(document=lambda note: {
            "title": note.title, "body": _note_summary(note), "author": note.peer.name_zh if note.peer else "",
            "date": note.visited_on or note.created_at}),
        field_labels=_labels(NoteForm, services.NOTE_FIELDS),
        value_labels={"decision": {d.value: label for d, label in DECISION_LABELS.items()}}))
    register_nav("benchmarking.index", _l("Benchmarking"), order=60)
    register_card("benchmarking", benchmarking_card, order=30)
    register_section(Section("benchmarking", _l("Benchmarking"), order=40, template="pdf/dossier/benchmarking.html",
                             gather=dossier.gather))
    register_slide_kind(SlideKind("peers", _l("Peer comparison with ranks"), "slides/peers.html",
                                  slides.gather_peers, order=40))
