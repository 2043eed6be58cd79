"""Rules and writes of the site-visit briefing: decks and slides, the time budget, rendering slides (pages,
presentation, PDF), versions, timed rehearsals, the question bank, the weighted draw and follow-up tasks."""
from __future__ import annotations

import datetime as dt
import hashlib
import random
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from flask import current_app, has_request_context, render_template, url_for
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import func, select, update

from qms import jobs, pdf, storage
from qms.auth.models import User
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
    RenderStatus,
    TaskStatus,
)
from qms.core import audit
from qms.core.models import AwardCycle, utcnow
from qms.core.services import ServiceError, delete_record, get_organization, save_record
from qms.evidence.models import Evidence, EvidenceKind
from qms.extensions import db
from qms.jobs import KILLED_GRACE
from qms.spine import clock, records
from qms.spine import slides as registry

SLIDE_FIELDS = ("kind", "title", "subtitle", "body", "evidence_id", "planned_seconds", "notes")
QUESTION_FIELDS = ("question", "model_answer", "answerer_id", "item_ids")
ITEM_TYPE = "assessment_item"  # the checklist's record type, reached only through the records registry
MAX_SLIDE_SECONDS = 3600
MAX_REHEARSED_SECONDS = 4 * 3600
MAX_DRAW = 50
TASK_DAYS = 14  # a follow-up task is due two weeks after the rehearsal that found the gap
UNKNOWN_READINESS = 50.0  # a question tied to no item (or to vanished ones) weighs as a half-ready item
FLOOR_WEIGHT = 10.0  # a question on fully ready items can still be drawn


# --- decks and slides -------------------------------------------------------------------------

def list_decks() -> list[BriefingDeck]:
    return list(db.session.scalars(select(BriefingDeck).join(AwardCycle)
                                   .order_by(AwardCycle.year.desc(), BriefingDeck.id)))


def deck_of(cycle: AwardCycle | None) -> BriefingDeck | None:
    if cycle is None:
        return None
    return db.session.scalars(select(BriefingDeck).where(BriefingDeck.award_cycle_id == cycle.id)).first()


def cycles_without_deck() -> list[AwardCycle]:
    taken = select(BriefingDeck.award_cycle_id)
    return list(db.session.scalars(select(AwardCycle).where(AwardCycle.id.not_in(taken))
                                   .order_by(AwardCycle.year.desc())))


def create_deck(cycle: AwardCycle, title: str, actor) -> BriefingDeck:
    title = (title or "").strip()
    if not title:
        raise ServiceError(_("Give the deck a title."), field="title")
    if deck_of(cycle) is not None:
        raise ServiceError(_("This award cycle already has a briefing deck."), field="award_cycle_id")
    return save_record(BriefingDeck(award_cycle_id=cycle.id), {"title": title}, actor)


def update_deck(deck: BriefingDeck, title: str, actor) -> BriefingDeck:
    title = (title or "").strip()
    if not title:
        raise ServiceError(_("Give the deck a title."), field="title")
    return save_record(deck, {"title": title}, actor)


def image_evidence() -> list[Evidence]:
    """Stored images that a free slide may show."""
    return list(db.session.scalars(select(Evidence).where(Evidence.kind == EvidenceKind.FILE,
                                                          Evidence.content_type.in_(sorted(pdf.IMAGE_TYPES)))
                                   .order_by(Evidence.id)))


def _slide_data(values: Mapping[str, Any], kind_key: str) -> dict:
    kind = registry.get(kind_key)
    if kind is None:
        raise ServiceError(_("There is no such kind of slide."), field="kind")
    data = {key: values[key] for key in SLIDE_FIELDS if key in values}
    data["kind"] = kind.key
    for name in ("title", "subtitle", "body", "notes"):
        if name in data:
            data[name] = (data[name] or "").strip()
    seconds = data.get("planned_seconds")
    if seconds is None:
        data["planned_seconds"] = kind.default_seconds
    elif not 1 <= int(seconds) <= MAX_SLIDE_SECONDS:
        raise ServiceError(_("Plan between 1 second and 60 minutes for one slide."), field="planned_seconds")
    if kind.key == "title" and not data.get("title"):
        raise ServiceError(_("A title slide needs a title."), field="title")
    if data.get("evidence_id"):
        if int(data["evidence_id"]) not in {e.id for e in image_evidence()}:
            raise ServiceError(_("Choose a stored image as the slide's picture."), field="evidence_id")
    else:
        data["evidence_id"] = None
    if kind.key == "image" and not data.get("evidence_id"):
        raise ServiceError(_("An image slide needs an image."), field="evidence_id")
    return data


def add_slide(deck: BriefingDeck, kind_key: str, values: Mapping[str, Any], actor) -> BriefingSlide:
    data = _slide_data(values, kind_key)
    position = (db.session.scalar(select(func.max(BriefingSlide.position))
                                  .where(BriefingSlide.deck_id == deck.id)) or 0) + 1
    data.setdefault("title", "")
    return save_record(BriefingSlide(deck_id=deck.id, position=position), data, actor,
                       fields=tuple(data) + ("position",))


def update_slide(slide: BriefingSlide, values: Mapping[str, Any], actor) -> BriefingSlide:
    return save_record(slide, _slide_data(values, slide.kind), actor)


def slides_of(deck: BriefingDeck) -> list[BriefingSlide]:
    return list(db.session.scalars(select(BriefingSlide).where(BriefingSlide.deck_id == deck.id)
                                   .order_by(BriefingSlide.position, BriefingSlide.id)))


def move_slide(slide: BriefingSlide, step: int, actor) -> None:
    """Swap the slide with its neighbour (step −1 up, +1 down); positions are renumbered 1…n on the way."""
    ordered = slides_of(slide.deck)
    index = next(i for i, s in enumerate(ordered) if s.id == slide.id)
    target = index + step
    if not 0 <= target < len(ordered):
        return
    ordered[index], ordered[target] = ordered[target], ordered[index]
    for position, each in enumerate(ordered, start=1):
        each.position = position
    audit.record_event(audit.UPDATE, slide, actor, changes={"position": [index + 1, target + 1]})
    db.session.commit()


def delete_slide(slide: BriefingSlide, actor) -> None:
    deck = slide.deck
    delete_record(slide, actor)
    for position, each in enumerate(slides_of(deck), start=1):
        each.position = position
    db.session.commit()


# --- the time budget --------------------------------------------------------------------------

@dataclass
class TimeBudget:
    planned: int  # seconds
    allowed: int | None  # seconds; None when the award cycle does not say
    rehearsed: int | None  # seconds of the last rehearsal

    @property
    def difference(self) -> int | None:
        return None if self.allowed is None else self.planned - self.allowed

    @property
    def over(self) -> bool:
        return self.allowed is not None and self.planned > self.allowed


def time_budget(deck: BriefingDeck, slides: list[BriefingSlide],
                rehearsal: DeckRehearsal | None = None) -> TimeBudget:
    minutes = deck.award_cycle.briefing_minutes
    return TimeBudget(planned=sum(s.planned_seconds for s in slides),
                      allowed=minutes * 60 if minutes else None,
                      rehearsed=rehearsal.total_seconds if rehearsal else None)


def minutes_text(seconds: int | None) -> str:
    """"12:05" for 725 seconds; "—" for none."""
    if seconds is None:
        return "—"
    sign = "−" if seconds < 0 else ""
    seconds = abs(int(seconds))
    return f"{sign}{seconds // 60}:{seconds % 60:02d}"


def budget_status(budget: TimeBudget) -> str:
    if budget.allowed is None:
        return _("The award cycle does not say how long the briefing may take; set it on the award cycle.")
    if budget.over:
        return _("Over the time allowed by %(time)s (planned %(planned)s of %(allowed)s).",
                 time=minutes_text(budget.difference), planned=minutes_text(budget.planned),
                 allowed=minutes_text(budget.allowed))
    return _("Within the time allowed: %(time)s to spare (planned %(planned)s of %(allowed)s).",
             time=minutes_text(-budget.difference), planned=minutes_text(budget.planned),
             allowed=minutes_text(budget.allowed))


def budget_chart(budget: TimeBudget) -> str | None:
    """Planned, allowed and last rehearsed minutes as one bar chart (qms.charts)."""
    from qms.charts import data_uri, horizontal_bar

    bars = [(_("Planned"), budget.planned)]
    if budget.allowed is not None:
        bars.append((_("Allowed"), budget.allowed))
    if budget.rehearsed is not None:
        bars.append((_("Last rehearsal"), budget.rehearsed))
    return data_uri(horizontal_bar([label for label, _s in bars], [s / 60 for _l, s in bars], unit=_("min"),
                                   width=560))


# --- rendering slides -------------------------------------------------------------------------

@dataclass
class RenderedSlide:
    slide: BriefingSlide
    kind: registry.SlideKind | None
    number: int
    title: str
    variables: dict | None  # None: the module has no data for the cycle (the slide says so)


@dataclass
class Rendered:
    deck: BriefingDeck
    slides: list[RenderedSlide]
    organization: Any
    award: str
    warnings: list[str] = field(default_factory=list)


def _context(deck: BriefingDeck, organization, slide: BriefingSlide | None = None) -> registry.SlideContext:
    from qms.i18n import is_chinese

    return registry.SlideContext(dossier=deck, cycle=deck.award_cycle, organization=organization,
                                 chinese=is_chinese(), slide=slide)


def render_slides(deck: BriefingDeck, slides: list[BriefingSlide] | None = None) -> Rendered:
    """Gather every slide's figures now: a live slide shows the cycle's current figures at every render."""
    organization = get_organization()
    rendered = []
    warnings: list[str] = []
    for number, slide in enumerate(slides if slides is not None else slides_of(deck), start=1):
        kind = registry.get(slide.kind)
        context = _context(deck, organization, slide)
        variables = kind.gather(context) if kind is not None else None
        warnings += context.warnings
        title = slide.title or (str(kind.label) if kind else slide.kind)
        rendered.append(RenderedSlide(slide=slide, kind=kind, number=number, title=title, variables=variables))
    return Rendered(deck=deck, slides=rendered, organization=organization, award=str(deck.award_cycle),
                    warnings=warnings)


def _browser_image(evidence_id: int) -> str:
    return url_for("evidence.download", evidence_id=evidence_id)


def _browser_static(path: str) -> str:
    return url_for("static", filename=path)


def slides_html(rendered: Rendered, for_print: bool) -> dict:
    """What templates/slides/_slide.html needs, for the browser (for_print False) or WeasyPrint."""
    return {"rendered": rendered, "organization": rendered.organization, "award": rendered.award,
            "total": len(rendered.slides), "minutes_text": minutes_text,
            "image_url": pdf.evidence_url if for_print else _browser_image,
            "static_url": pdf.static_url if for_print else _browser_static}


def deck_html(rendered: Rendered, preview: bool = False) -> str:
    return render_template("pdf/briefing/deck.html", preview=preview, **slides_html(rendered, not preview))


def handout_html(rendered: Rendered, preview: bool = False) -> str:
    return render_template("pdf/briefing/handout.html", preview=preview, **slides_html(rendered, not preview))


# --- versions ---------------------------------------------------------------------------------

def _file_name(stored_name: str, notes: bool) -> str:
    return f"{stored_name}{'-notes' if notes else ''}.pdf"


def store_file(stored_name: str, notes: bool, data: bytes) -> None:
    """Keep one PDF of a version in the files store's "briefing" area (qms.storage)."""
    storage.write_named("briefing", _file_name(stored_name, notes), data)


def versions_of(deck: BriefingDeck) -> list[DeckVersion]:
    return list(db.session.scalars(select(DeckVersion).where(DeckVersion.deck_id == deck.id)
                                   .order_by(DeckVersion.number.desc())))


@dataclass
class RenderedFiles:
    slides_pdf: bytes
    slide_pages: int
    notes_pdf: bytes
    notes_pages: int


def _no_progress(percent: int) -> None:
    pass


def render_files(deck: BriefingDeck, on_progress=_no_progress) -> RenderedFiles:
    """Gather and lay out both PDFs (the 16:9 slides and the A4 notes handout); on_progress(percent) between steps.
    Slow (about 20 s for 30 slides): it runs in the "briefing.render" job, never in a web request."""
    rendered = render_slides(deck)
    on_progress(15)
    slides_doc = pdf.render_document(deck_html(rendered))
    on_progress(60)
    notes_doc = pdf.render_document(handout_html(rendered))
    on_progress(90)
    return RenderedFiles(slides_doc.pdf, slides_doc.page_count, notes_doc.pdf, notes_doc.page_count)


RENDER_TIMEOUT = 600  # seconds the "briefing.render" job may run (qms.briefing.jobs)
# A render still "running" this long after it began was cut off with its process (the job's own timeout would
# have failed it otherwise): the version is shown failed, as qms.jobs.expire_killed fails its job.
STALE_AFTER = dt.timedelta(seconds=RENDER_TIMEOUT) + KILLED_GRACE


def _deck_options(slides: list[BriefingSlide], locale: str) -> dict:
    return {"locale": locale, "slides": len(slides), "planned_seconds": sum(s.planned_seconds for s in slides)}


def working_version(versions: list[DeckVersion]) -> DeckVersion | None:
    return next((v for v in versions if v.is_working), None)


def job_of(version: DeckVersion) -> jobs.Job | None:
    """The job that renders the version, as it stands now (None before it was queued)."""
    return jobs.get(version.job_id) if version.job_id is not None else None


def _refuse_if_working(deck: BriefingDeck, except_id: int | None = None) -> None:
    query = select(func.count()).select_from(DeckVersion).where(
        DeckVersion.deck_id == deck.id, DeckVersion.status.in_([RenderStatus.PENDING, RenderStatus.RUNNING]))
    if except_id is not None:
        query = query.where(DeckVersion.id != except_id)
    if db.session.scalar(query):
        raise ServiceError(_("A version of this deck is already being rendered; wait for it to finish."))


def request_version(deck: BriefingDeck, actor, locale: str) -> DeckVersion:
    """A new version waiting to be rendered; the caller queues its job (qms.briefing.jobs.start)."""
    slides = slides_of(deck)
    if not slides:
        raise ServiceError(_("Add at least one slide before generating the PDF."))
    _refuse_if_working(deck)
    number = (db.session.scalar(select(func.max(DeckVersion.number)).where(DeckVersion.deck_id == deck.id)) or 0) + 1
    version = DeckVersion(
        deck_id=deck.id, number=number, created_by_id=getattr(actor, "id", None), created_at=utcnow(),
        options=_deck_options(slides, locale), status=RenderStatus.PENDING, progress=0, error="",
        stored_name=secrets.token_hex(16))
    db.session.add(version)
    db.session.flush()
    audit.record_event(audit.CREATE, version, actor, changes={"number": [None, number]})
    db.session.commit()
    return version


def attach_job(version: DeckVersion, job_id: int) -> None:
    """Remember which job renders the version (only this column is written: the job may already be running)."""
    db.session.execute(update(DeckVersion).where(DeckVersion.id == version.id).values(job_id=job_id))
    db.session.commit()


def _progress(version: DeckVersion, percent: int) -> None:
    version.progress = percent
    db.session.commit()
    jobs.progress(percent, 100)  # the jobs page shows it too


def _short_error(error: Exception) -> str:
    # A ServiceError (a full disk, say) was written for people; anything else is named, its details go to the log.
    text = error.message if isinstance(error, ServiceError) else type(error).__name__
    return str(text)[:300]


def render_version(version_id: int) -> None:
    """Render a waiting version: both PDFs stored, their SHA-256 and pages recorded, the version done; on any
    error it is failed with a short reason. Runs in the job (an application context, no request of its own)."""
    if not has_request_context():
        # The slide templates and their context processors expect a request; a job has none.
        with current_app.test_request_context("/"):
            return render_version(version_id)
    version = db.session.get(DeckVersion, version_id)
    if version is None or version.status != RenderStatus.PENDING:
        return None  # gone, or delivered twice
    written: list[str] = []
    try:
        version.status, version.started_at, version.error = RenderStatus.RUNNING, utcnow(), ""
        _progress(version, 5)
        with force_locale(version.options.get("locale") or current_app.config["BABEL_DEFAULT_LOCALE"]):
            files = render_files(version.deck, on_progress=lambda percent: _progress(version, percent))
        # Both files are written (atomically) before the commit that marks the version done: a version is never
        # done without its PDFs; if that commit fails they are removed again.
        for notes, data in ((False, files.slides_pdf), (True, files.notes_pdf)):
            written.append(_file_name(version.stored_name, notes))
            store_file(version.stored_name, notes, data)
        version.slide_pages, version.notes_pages = files.slide_pages, files.notes_pages
        version.sha256 = hashlib.sha256(files.slides_pdf).hexdigest()
        version.notes_sha256 = hashlib.sha256(files.notes_pdf).hexdigest()
        version.size, version.notes_size = len(files.slides_pdf), len(files.notes_pdf)
        version.status, version.progress = RenderStatus.DONE, 100
        audit.record_event(audit.UPDATE, version, version.created_by, changes={
            "sha256": ["", version.sha256], "notes_sha256": ["", version.notes_sha256]})
        db.session.commit()
    except Exception as error:
        db.session.rollback()
        current_app.logger.exception("briefing deck version %s failed", version_id)
        for name in written:
            storage.delete("briefing", name)
        version = db.session.get(DeckVersion, version_id)
        if version is not None:
            version.status, version.error = RenderStatus.FAILED, _short_error(error)
            db.session.commit()
    return None


def expire_stale(versions: list[DeckVersion], now: dt.datetime | None = None) -> None:
    """A render whose process ended midway (a restart, a killed worker) would say "rendering" for ever: a version
    running longer than the job may run, or still working after its job ended, is marked failed."""
    now = now or utcnow()
    stale = []
    for version in versions:
        if not version.is_working:
            continue
        if version.status == RenderStatus.RUNNING and version.started_at is not None \
                and now - version.started_at > STALE_AFTER:
            stale.append(version)
        else:
            job = job_of(version)
            if job is not None and job.status in (jobs.JobStatus.FAILED, jobs.JobStatus.DONE):
                stale.append(version)
    for version in stale:
        version.status, version.error = RenderStatus.FAILED, "interrupted"
    if stale:
        db.session.commit()


def render_again(version: DeckVersion, actor) -> DeckVersion:
    """A failed version rendered once more, in place, from the deck as it stands now (same number and language)."""
    if version.status != RenderStatus.FAILED:
        raise ServiceError(_("Only a failed version can be rendered again."))
    slides = slides_of(version.deck)
    if not slides:
        raise ServiceError(_("Add at least one slide before generating the PDF."))
    _refuse_if_working(version.deck, except_id=version.id)
    version.options = _deck_options(slides, version.options.get("locale") or "zh_Hant_TW")
    version.status, version.progress, version.error, version.started_at, version.job_id = (
        RenderStatus.PENDING, 0, "", None, None)
    audit.record_event(audit.UPDATE, version, actor, changes={"status": ["failed", "pending"]})
    db.session.commit()
    return version


def read_file(version: DeckVersion, notes: bool = False) -> bytes:
    if version.status != RenderStatus.DONE:
        raise ServiceError(_("This version has no finished PDF."))
    return storage.read("briefing", _file_name(version.stored_name, notes))


# --- timed rehearsals -------------------------------------------------------------------------

def record_rehearsal(deck: BriefingDeck, seconds: Mapping[Any, Any], actor) -> DeckRehearsal:
    """Keep the real seconds spent per slide; a slide not in the deck or a time that is not a whole number of
    seconds between 0 and four hours refuses the whole run."""
    ids = {s.id for s in slides_of(deck)}
    kept: dict[str, int] = {}
    for key, value in seconds.items():
        try:
            slide_id, spent = int(key), int(value)
        except (TypeError, ValueError):
            raise ServiceError(_("A rehearsal time must be a whole number of seconds."), field="seconds") from None
        if slide_id not in ids:
            raise ServiceError(_("The rehearsal names a slide that is not in this deck."), field="seconds")
        if not 0 <= spent <= MAX_REHEARSED_SECONDS:
            raise ServiceError(_("A rehearsal time must lie between 0 seconds and 4 hours."), field="seconds")
        kept[str(slide_id)] = spent
    if not kept:
        raise ServiceError(_("The rehearsal recorded no time."), field="seconds")
    rehearsal = DeckRehearsal(deck_id=deck.id, recorded_by_id=getattr(actor, "id", None), recorded_at=utcnow(),
                              seconds=kept, total_seconds=sum(kept.values()))
    db.session.add(rehearsal)
    db.session.flush()
    audit.record_event(audit.CREATE, rehearsal, actor, changes={"total_seconds": [None, rehearsal.total_seconds]})
    db.session.commit()
    return rehearsal


def last_rehearsal(deck: BriefingDeck) -> DeckRehearsal | None:
    return db.session.scalars(select(DeckRehearsal).where(DeckRehearsal.deck_id == deck.id)
                              .order_by(DeckRehearsal.recorded_at.desc(), DeckRehearsal.id.desc()).limit(1)).first()


# --- the question bank ------------------------------------------------------------------------

def item_type() -> records.RecordType | None:
    return records.get(ITEM_TYPE)


def item_choices(cycle: AwardCycle) -> list[tuple[int, str]]:
    """(id, title) of the cycle's checklist items, through the records registry (the briefing never imports the
    checklist)."""
    record_type = item_type()
    if record_type is None:
        return []
    found = db.session.scalars(select(record_type.model).order_by(record_type.model.id))
    belongs = record_type.cycle_id or (lambda record: getattr(record, "award_cycle_id", None))
    return [(record.id, record_type.title(record)) for record in found if belongs(record) == cycle.id]


def item_titles(ids) -> dict[int, tuple[str, str | None]]:
    """{item id: (title, URL)} for the ids that still exist."""
    record_type = item_type()
    if record_type is None:
        return {}
    loaded = records.load_many((ITEM_TYPE, i) for i in ids)
    return {record_id: (record_type.title(record), record_type.url_for(record_id))
            for (_type, record_id), record in loaded.items()}


def _question_data(cycle: AwardCycle, values: Mapping[str, Any]) -> dict:
    data = {key: values[key] for key in QUESTION_FIELDS if key in values}
    data["question"] = (data.get("question") or "").strip()
    if not data["question"]:
        raise ServiceError(_("Write the question."), field="question")
    data["model_answer"] = (data.get("model_answer") or "").strip()
    if data.get("answerer_id"):
        user = db.session.get(User, int(data["answerer_id"]))
        if user is None or not user.active:
            raise ServiceError(_("Choose an active user to answer it."), field="answerer_id")
        data["answerer_id"] = user.id
    else:
        data["answerer_id"] = None
    wanted = list(dict.fromkeys(int(i) for i in data.get("item_ids") or []))
    allowed = {item_id for item_id, _title in item_choices(cycle)}
    if any(i not in allowed for i in wanted):
        raise ServiceError(_("Choose checklist items of this award cycle."), field="item_ids")
    data["item_ids"] = wanted
    return data


def create_question(cycle: AwardCycle, values: Mapping[str, Any], actor) -> BriefingQuestion:
    data = _question_data(cycle, values)
    return save_record(BriefingQuestion(award_cycle_id=cycle.id), data, actor)


def update_question(question: BriefingQuestion, values: Mapping[str, Any], actor) -> BriefingQuestion:
    return save_record(question, _question_data(question.award_cycle, values), actor)


def delete_question(question: BriefingQuestion, actor) -> None:
    delete_record(question, actor)


def questions_of(cycle: AwardCycle | None) -> list[BriefingQuestion]:
    if cycle is None:
        return []
    return list(db.session.scalars(select(BriefingQuestion).where(BriefingQuestion.award_cycle_id == cycle.id)
                                   .order_by(BriefingQuestion.id)))


def last_attempts(question_ids) -> dict[int, QuestionAttempt]:
    """The latest recorded attempt of each question, in one query."""
    ids = list(question_ids)
    if not ids:
        return {}
    found: dict[int, QuestionAttempt] = {}
    for attempt in db.session.scalars(select(QuestionAttempt).where(QuestionAttempt.question_id.in_(ids),
                                                                    QuestionAttempt.outcome.is_not(None))
                                      .order_by(QuestionAttempt.recorded_at, QuestionAttempt.id)):
        found[attempt.question_id] = attempt
    return found


def question_readiness(questions: list[BriefingQuestion]) -> dict[int, float]:
    """Each question's readiness: the lowest readiness of its items (the weakest item is what a reviewer finds),
    read through the record type's readiness hook; UNKNOWN_READINESS without items or hook."""
    record_type = item_type()
    all_ids = sorted({i for q in questions for i in q.item_ids or []})
    by_item = record_type.readiness(all_ids) if record_type is not None and record_type.readiness else {}
    result = {}
    for question in questions:
        known = [by_item[i] for i in question.item_ids or [] if i in by_item]
        result[question.id] = min(known) if known else UNKNOWN_READINESS
    return result


def draw_weight(readiness: float) -> float:
    """How likely a question is drawn: 110 for an item at 0 % ready down to 10 at 100 %."""
    return (100.0 - max(0.0, min(100.0, readiness))) + FLOOR_WEIGHT


def weighted_draw(weights: Mapping[int, float], count: int, rng: random.Random) -> list[int]:
    """`count` distinct keys, each drawn with probability proportional to its weight among those left
    (Efraimidis–Spirakis: the largest u^(1/w))."""
    keyed = sorted(((rng.random() ** (1.0 / weight), key) for key, weight in weights.items() if weight > 0),
                   reverse=True)
    return [key for _score, key in keyed[:count]]


def start_session(cycle: AwardCycle, count: int, actor, rng: random.Random | None = None) -> QuestionSession:
    questions = questions_of(cycle)
    if not questions:
        raise ServiceError(_("The question bank of this award cycle is empty."), field="count")
    if not 1 <= int(count) <= MAX_DRAW:
        raise ServiceError(_("Draw between 1 and %(max)d questions.", max=MAX_DRAW), field="count")
    readiness = question_readiness(questions)
    chosen = weighted_draw({q.id: draw_weight(readiness[q.id]) for q in questions}, int(count),
                           rng or random.SystemRandom())
    session = QuestionSession(award_cycle_id=cycle.id, created_by_id=getattr(actor, "id", None),
                              created_at=utcnow())
    session.attempts = [QuestionAttempt(question_id=question_id, position=position)
                        for position, question_id in enumerate(chosen, start=1)]
    db.session.add(session)
    db.session.flush()
    audit.record_event(audit.CREATE, session, actor, changes={"questions": [None, chosen]})
    db.session.commit()
    return session


def can_answer(user, attempt: QuestionAttempt) -> bool:
    from qms.spine.access import Role

    return user.has_role(Role.LEADER, Role.QUALITY) or attempt.question.answerer_id == user.id


def record_outcome(attempt: QuestionAttempt, outcome: str, note: str, actor) -> BriefingTask | None:
    """Judge one answer; a partial or missing answer leaves a follow-up task for the question's answerer."""
    try:
        outcome = Outcome(outcome)
    except ValueError:
        raise ServiceError(_("Choose how the answer went."), field="outcome") from None
    before = attempt.outcome
    attempt.outcome, attempt.note = outcome, (note or "").strip()
    attempt.answered_by_id, attempt.recorded_at = getattr(actor, "id", None), utcnow()
    audit.record_event(audit.UPDATE, attempt, actor, changes={"outcome": [before.value if before else None,
                                                                         outcome.value]})
    task = None
    if outcome != Outcome.CONFIDENT:
        question = attempt.question
        task = BriefingTask(question_id=question.id, attempt_id=attempt.id,
                            title=_("Prepare the answer: %(question)s", question=str(question))[:300],
                            owner_id=question.answerer_id or getattr(actor, "id", None),
                            due_date=clock.today() + dt.timedelta(days=TASK_DAYS), status=TaskStatus.OPEN)
        db.session.add(task)
        db.session.flush()
        audit.record_event(audit.CREATE, task, actor, changes=audit.created(task, ("title", "owner_id", "due_date")))
    db.session.commit()
    return task


def open_tasks(cycle: AwardCycle | None) -> list[BriefingTask]:
    if cycle is None:
        return []
    return list(db.session.scalars(select(BriefingTask).join(BriefingQuestion)
                                   .where(BriefingQuestion.award_cycle_id == cycle.id,
                                          BriefingTask.status == TaskStatus.OPEN)
                                   .order_by(BriefingTask.due_date, BriefingTask.id)))


def complete_task(task: BriefingTask, actor) -> BriefingTask:
    return save_record(task, {"status": TaskStatus.DONE}, actor)


def questions_for_item(item_id: int, cycle_id: int | None) -> list[BriefingQuestion]:
    """The questions tied to one checklist item (JSON lists are filtered here: the bank is small)."""
    query = select(BriefingQuestion).order_by(BriefingQuestion.id)
    if cycle_id is not None:
        query = query.where(BriefingQuestion.award_cycle_id == cycle_id)
    return [q for q in db.session.scalars(query) if item_id in (q.item_ids or [])]


def rehearsed_count(questions: list[BriefingQuestion]) -> int:
    return len(last_attempts(q.id for q in questions))
