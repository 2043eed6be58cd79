"""The briefing's record types, free slide kinds, navigation, dashboard card and the panel on checklist items."""
from __future__ import annotations

from flask import Flask, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from qms.briefing import builtin, reminders
from qms.briefing.models import (
    BriefingDeck,
    BriefingQuestion,
    BriefingSlide,
    BriefingTask,
    DeckRehearsal,
    DeckVersion,
    Outcome,
    QuestionAttempt,
    QuestionSession,
    TaskStatus,
)
from qms.spine import records
from qms.spine import reminders as reminder_sources
from qms.spine.access import Role
from qms.spine.navigation import Card, register_card, register_nav
from qms.spine.panels import Panel, register_panel

EDITORS = frozenset({Role.LEADER, Role.QUALITY})


def can_edit_question(user, question) -> bool:
    return bool(getattr(user, "is_authenticated", False)) and (
        user.has_role(*EDITORS) or question.answerer_id == getattr(user, "id", None))


def briefing_card(user, cycle) -> Card | None:
    if cycle is None:
        return None
    from qms.briefing import services

    deck = services.deck_of(cycle)
    questions = services.questions_of(cycle)
    lines = []
    if deck is not None:
        budget = services.time_budget(deck, services.slides_of(deck))
        lines.append((_("Planned time"), _("%(planned)s of %(allowed)s minutes allowed",
                                           planned=services.minutes_text(budget.planned),
                                           allowed=services.minutes_text(budget.allowed))))
    lines.append((_("Reviewer questions rehearsed"), _("%(rehearsed)d of %(total)d",
                                                       rehearsed=services.rehearsed_count(questions),
                                                       total=len(questions))))
    tasks = services.open_tasks(cycle)
    if tasks:
        lines.append((_("Open follow-up tasks"), str(len(tasks))))
    return Card(title=_("Site-visit briefing"), lines=lines, link=url_for("briefing.index"),
                link_text=_("Open the briefing"), note="" if deck else _("This cycle has no briefing deck yet."))


def item_questions_panel(item, user) -> Panel | None:
    from qms.briefing import services

    record_type = records.get(services.ITEM_TYPE)
    cycle_id = record_type.cycle_id(item) if record_type and record_type.cycle_id else None
    questions = services.questions_for_item(item.id, cycle_id)
    return Panel("briefing/_item_panel.html", {
        "questions": questions, "last": services.last_attempts(q.id for q in questions),
        "can_add": user.has_role(*EDITORS), "item_id": item.id})


def register(app: Flask) -> None:
    records.register(records.RecordType(
        "briefing_deck", BriefingDeck, _l("Briefing deck"), endpoint="briefing.deck", url_kwarg="deck_id",
        field_labels={"title": _l("Title")}))
    records.register(records.RecordType(
        "briefing_slide", BriefingSlide, _l("Briefing slide"), title=lambda s: f"{s.deck.title} · {s}",
        field_labels={"kind": _l("Kind of slide"), "title": _l("Title"), "subtitle": _l("Subtitle"),
                      "body": _l("Text"), "evidence_id": _l("Image"), "planned_seconds": _l("Planned seconds"),
                      "notes": _l("Speaker notes"), "position": _l("Position")}))
    records.register(records.RecordType(
        "briefing_deck_version", DeckVersion, _l("Briefing deck version"),
        field_labels={"number": _l("Version"), "sha256": "SHA-256", "notes_sha256": _l("SHA-256 of the notes")}))
    records.register(records.RecordType(
        "briefing_rehearsal", DeckRehearsal, _l("Briefing rehearsal"),
        field_labels={"total_seconds": _l("Rehearsed seconds")}))
    records.register(records.RecordType(
        "briefing_question", BriefingQuestion, _l("Reviewer question"), endpoint="briefing.question",
        url_kwarg="question_id", can_edit=can_edit_question,
        field_labels={"question": _l("Question"), "model_answer": _l("Model answer"),
                      "answerer_id": _l("Answered by"), "item_ids": _l("Checklist items")}))
    records.register(records.RecordType(
        "briefing_session", QuestionSession, _l("Question rehearsal"), endpoint="briefing.session",
        url_kwarg="session_id", field_labels={"questions": _l("Questions")}))
    records.register(records.RecordType(
        "briefing_attempt", QuestionAttempt, _l("Rehearsed answer"),
        field_labels={"outcome": _l("Outcome")},
        value_labels={"outcome": {o.value: label for o, label in Outcome.labels().items()}}))
    records.register(records.RecordType(
        "briefing_task", BriefingTask, _l("Briefing follow-up task"), owner=records.owner_column(BriefingTask.owner_id),
        field_labels={"title": _l("Task"), "owner_id": _l("Owner"), "due_date": _l("Due date"),
                      "status": _l("Status")},
        value_labels={"status": {s.value: label for s, label in TaskStatus.labels().items()}}))
    builtin.register()
    register_nav("briefing.index", _l("Briefing"), order=65)
    register_card("briefing", briefing_card, order=37)
    register_panel("assessment_item", "briefing_questions", item_questions_panel, order=50)
    for source in reminders.SOURCES:
        reminder_sources.register_source(source)
