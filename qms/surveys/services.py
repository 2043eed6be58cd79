"""Rules and writes for surveys: definitions, rounds, response import with exclusions, statistics, votes, cases."""
from __future__ import annotations

import datetime as dt
import hashlib
import math
import secrets
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import and_, delete, func, select, update
from sqlalchemy import case as sql_case

from qms import imports
from qms.core import audit
from qms.core.models import utcnow
from qms.core.services import ImportProblem, ImportRejected, ServiceError, save_record
from qms.extensions import db
from qms.spine.access import Role
from qms.surveys import definition_files
from qms.surveys import statistics as stats
from qms.surveys.models import (
    FollowUpCase,
    KioskToken,
    QuestionKind,
    Survey,
    SurveyDimension,
    SurveyQuestion,
    SurveyResponse,
    SurveyRound,
    Vote,
)

ROUND_FIELDS = ("label", "period_start", "period_end", "handed_out", "returned", "max_blank_share",
                "exclude_straight_lining", "printed_margin")
CASE_FIELDS = ("owner_id", "response_to_citizen", "improvement", "closed_on")
EXCLUSION_REASONS = ("not_a_number", "out_of_range", "too_many_blanks", "straight_lining")
VOTES_PER_MINUTE = 20


def is_quality(user) -> bool:
    return user.is_authenticated and user.has_role(Role.QUALITY)


# --- definitions ------------------------------------------------------------------------------

def list_surveys() -> list[Survey]:
    return list(db.session.scalars(select(Survey).order_by(Survey.id)))


def import_survey(text: str, actor) -> Survey:
    spec = definition_files.parse(text)
    survey = Survey(title_zh=spec.title_zh, title_en=spec.title_en, scale_points=spec.scale_points,
                    sampling_frame=spec.sampling_frame, population=spec.population,
                    no_answer=[str(code) for code in spec.no_answer])
    dimensions = {}
    for position, (code, zh, en) in enumerate(spec.dimensions):
        dimensions[code] = SurveyDimension(code=code, name_zh=zh, name_en=en, position=position)
        survey.dimensions.append(dimensions[code])
    for position, q in enumerate(spec.questions):
        survey.questions.append(SurveyQuestion(code=q.code, text_zh=q.text_zh, text_en=q.text_en,
                                               kind=QuestionKind(q.kind), reverse=q.reverse, position=position,
                                               dimension=dimensions.get(q.dimension)))
    db.session.add(survey)
    audit.record_event(audit.CREATE, survey, actor, changes={"title_zh": [None, survey.title_zh],
                                                             "questions": [None, len(spec.questions)]})
    db.session.commit()
    return survey


def import_shipped(actor=None) -> list[Survey]:
    return [import_survey(path.read_text(encoding="utf-8"), actor) for path in definition_files.shipped_files()]


def rated_questions(survey: Survey) -> list[SurveyQuestion]:
    return [q for q in survey.questions if q.kind in (QuestionKind.LIKERT, QuestionKind.OVERALL)]


# --- rounds and response import ---------------------------------------------------------------

def list_rounds(survey: Survey | None = None) -> list[SurveyRound]:
    return list(db.session.scalars(rounds_query(survey)))


def rounds_query(survey: Survey | None = None):
    """Rounds, latest period first."""
    query = select(SurveyRound).order_by(SurveyRound.period_start.desc().nulls_last(), SurveyRound.id.desc())
    if survey is not None:
        query = query.where(SurveyRound.survey_id == survey.id)
    return query


def latest_rounds(per_survey: int) -> tuple[list[SurveyRound], dict[int, int]]:
    """The latest rounds of every survey, `per_survey` at most each, and survey id -> its number of rounds, in two
    queries (the surveys page: the whole history is on each survey's page)."""
    position = func.row_number().over(partition_by=SurveyRound.survey_id,
                                       order_by=(SurveyRound.period_start.desc().nulls_last(),
                                                 SurveyRound.id.desc())).label("position")
    ranked = select(SurveyRound.id, position).subquery()
    rounds = list(db.session.scalars(
        select(SurveyRound).join(ranked, ranked.c.id == SurveyRound.id).where(ranked.c.position <= per_survey)
        .order_by(SurveyRound.period_start.desc().nulls_last(), SurveyRound.id.desc())))
    counts = dict(db.session.execute(select(SurveyRound.survey_id, func.count()).group_by(SurveyRound.survey_id)).all())
    return rounds, counts


def save_round(survey: Survey, survey_round: SurveyRound | None, values: Mapping[str, Any], actor) -> SurveyRound:
    data = {key: values[key] for key in ROUND_FIELDS if key in values}
    if not str(data.get("label") or "").strip():
        raise ServiceError(_("This field is required."), field="label")
    if data.get("handed_out") is not None and data.get("returned") is not None \
            and data["returned"] > data["handed_out"]:
        raise ServiceError(_("More forms returned than handed out."), field="returned")
    return save_record(survey_round or SurveyRound(survey_id=survey.id), data, actor,
                       fields=("label", "handed_out", "returned"))



def guess_mapping(survey: Survey, header: list) -> dict[str, int]:
    """Question code -> column index, where a column header equals the code or the question's text."""
    names = {str(cell or "").strip().lower(): index for index, cell in enumerate(header)}
    mapping = {}
    for question in survey.questions:
        for candidate in (question.code, question.text_zh, question.text_en):
            index = names.get(str(candidate).strip().lower())
            if candidate and index is not None:
                mapping[question.code] = index
                break
    return mapping


def classify(values: list[float | None], k: int, max_blank_share: float, straight_lining: bool) -> str:
    """Why a response is invalid ("" when valid): out-of-range, too many blanks, or straight-lining."""
    if any(v is not None and not 1 <= v <= k for v in values):
        return "out_of_range"
    blanks = sum(1 for v in values if v is None)
    if values and blanks / len(values) > max_blank_share:
        return "too_many_blanks"
    answered = [v for v in values if v is not None]
    if straight_lining and len(answered) >= 3 and len(set(answered)) == 1:
        return "straight_lining"
    return ""


def import_responses(survey_round: SurveyRound, table: list[list], mapping: Mapping[str, int], source_name: str,
                     actor, no_answer: Iterable[str] = ()) -> dict[str, int]:
    """Replace the round's responses with the file's; any file-level problem imports nothing.

    An answer among the no_answer codes (compared as definition_files.answer_key does) reads as a blank; any other
    answer that is not a number excludes its response as "not_a_number".
    """
    survey = survey_round.survey
    rated = rated_questions(survey)
    text_questions = [q for q in survey.questions if q.kind == QuestionKind.TEXT]
    if len(table) < 2:
        raise ImportRejected([ImportProblem(None, _("The file has no responses."))])
    width = max(len(row) for row in table)
    unmapped = [ImportProblem(1, _("No column is mapped to %(code)s.", code=question.code)) for question in rated
                if mapping.get(question.code) is None or mapping[question.code] >= width]
    if unmapped:
        raise ImportRejected(unmapped)
    no_answer_keys = {definition_files.answer_key(code) for code in no_answer}
    return imports.import_rows(table, mapping,
                               lambda row: _response_from(row, survey_round, rated, text_questions, no_answer_keys),
                               lambda responses: _replace_responses(survey_round, responses, source_name, actor),
                               max_problems=50)


def _response_from(row: imports.Row, survey_round: SurveyRound, rated: list[SurveyQuestion],
                   text_questions: list[SurveyQuestion], no_answer_keys: set[str]) -> SurveyResponse:
    """One form's answers (a blank or a no-answer code is None), and why it is excluded ("" when it counts)."""
    answers: dict[str, Any] = {}
    not_a_number = False
    for question in rated:
        raw = row.cell(question.code)
        answers[question.code] = None
        if raw is None or str(raw).strip() == "" or definition_files.answer_key(raw) in no_answer_keys:
            continue
        try:
            value = float(str(raw).strip())
        except ValueError:
            value = math.nan
        if not math.isfinite(value):
            # One form's "不知道" excludes that form, as an answer off the scale does, not the whole file.
            not_a_number = True
            continue
        if value != int(value):
            row.problem(_("%(code)s: %(value)s is not a whole number.", code=question.code, value=str(raw)[:20]))
            continue
        answers[question.code] = int(value)
    for question in text_questions:
        answers[question.code] = row.text(question.code)[:2000]
    reason = "not_a_number" if not_a_number else classify(
        [answers.get(q.code) for q in rated], survey_round.survey.scale_points, survey_round.max_blank_share,
        survey_round.exclude_straight_lining)
    return SurveyResponse(round_id=survey_round.id, row_number=row.number, answers=answers, excluded_reason=reason)


def _replace_responses(survey_round: SurveyRound, responses: list[SurveyResponse], source_name: str,
                       actor) -> dict[str, int]:
    if not any(r.excluded_reason == "" for r in responses):
        raise ImportRejected([ImportProblem(None, _("No response in the file is valid."))])
    db.session.execute(delete(SurveyResponse).where(SurveyResponse.round_id == survey_round.id))
    db.session.add_all(responses)
    counts = {"rows": len(responses), "valid": sum(1 for r in responses if not r.excluded_reason)}
    for reason in EXCLUSION_REASONS:
        counts[reason] = sum(1 for r in responses if r.excluded_reason == reason)
    survey_round.source_name, survey_round.imported_at = source_name[:255], utcnow()
    audit.record_event(audit.UPDATE, survey_round, actor, changes={
        "responses": [None, counts["rows"]], "valid": [None, counts["valid"]], "source_name": [None, source_name]})
    return counts


def exclusion_counts(survey_round: SurveyRound) -> dict[str, int]:
    rows = db.session.execute(select(SurveyResponse.excluded_reason, func.count())
                              .where(SurveyResponse.round_id == survey_round.id)
                              .group_by(SurveyResponse.excluded_reason)).all()
    counts = {reason or "valid": count for reason, count in rows}
    counts.setdefault("valid", 0)
    return counts


# --- statistics -------------------------------------------------------------------------------

def answer_matrix(survey: Survey, responses: list[dict], questions: list[SurveyQuestion]) -> np.ndarray:
    """Valid responses as a float matrix, reverse-scored items turned round (k + 1 − value), blanks as NaN."""
    k = survey.scale_points
    matrix = np.array([[np.nan if r.get(q.code) is None else r[q.code] for q in questions] for r in responses],
                      dtype=float).reshape(len(responses), len(questions))
    for column, question in enumerate(questions):
        if question.reverse:
            matrix[:, column] = k + 1 - matrix[:, column]
    return matrix


@dataclass
class DimensionStats:
    dimension: SurveyDimension | None  # None: all rating items together
    questions: list[SurveyQuestion]
    pooled: stats.ItemStats
    reliability: stats.Reliability


@dataclass
class RoundStats:
    survey_round: SurveyRound
    handed_out: int | None
    returned: int | None
    rows: int
    valid: int
    excluded: dict[str, int]
    response_rate: float | None
    items: list[tuple[SurveyQuestion, stats.ItemStats]] = field(default_factory=list)
    dimensions: list[DimensionStats] = field(default_factory=list)
    overall: DimensionStats | None = None
    satisfied_share: float | None = None  # observed p: overall question's top-two share, else all items pooled
    margin_half: stats.Value | None = None
    margin_observed: stats.Value | None = None
    margin_half_fpc: stats.Value | None = None
    printed_explained: dict | None = None


def round_stats(survey_round: SurveyRound) -> RoundStats:
    survey = survey_round.survey
    responses = [answers for (answers,) in db.session.execute(
        select(SurveyResponse.answers).where(SurveyResponse.round_id == survey_round.id,
                                             SurveyResponse.excluded_reason == "")
        .order_by(SurveyResponse.row_number))]
    excluded = {reason: count for reason, count in exclusion_counts(survey_round).items() if reason != "valid"}
    rated = rated_questions(survey)
    likert = [q for q in rated if q.kind == QuestionKind.LIKERT]
    matrix = answer_matrix(survey, responses, rated)
    k = survey.scale_points
    result = RoundStats(
        survey_round=survey_round, handed_out=survey_round.handed_out, returned=survey_round.returned,
        rows=len(responses) + sum(excluded.values()), valid=len(responses), excluded=excluded,
        response_rate=(survey_round.returned / survey_round.handed_out * 100
                       if survey_round.returned is not None and survey_round.handed_out else None))
    columns = {q.code: i for i, q in enumerate(rated)}
    for question in rated:
        result.items.append((question, stats.item_stats(matrix[:, columns[question.code]], k)))

    def group(dimension, questions):
        sub = matrix[:, [columns[q.code] for q in questions]]
        return DimensionStats(dimension, questions, stats.item_stats(sub.ravel(), k), stats.reliability(sub))

    for dimension in survey.dimensions:
        questions = [q for q in likert if q.dimension_id == dimension.id]
        if questions:
            result.dimensions.append(group(dimension, questions))
    if likert:
        result.overall = group(None, likert)
    overall_question = next((q for q in rated if q.kind == QuestionKind.OVERALL), None)
    if overall_question is not None:
        observed = stats.item_stats(matrix[:, columns[overall_question.code]], k).top_two_pct
    else:
        observed = result.overall.pooled.top_two_pct if result.overall else None
    result.satisfied_share = observed
    n = result.valid
    result.margin_half = stats.margin_of_error(n)
    result.margin_observed = stats.margin_of_error(n, p=observed / 100) if observed is not None else None
    if survey.population:
        result.margin_half_fpc = stats.margin_of_error(n, population=survey.population)
    if survey_round.printed_margin:
        result.printed_explained = stats.explain_margin(survey_round.printed_margin, n,
                                                        observed / 100 if observed else None)
    return result


# --- kiosk votes and follow-up cases ----------------------------------------------------------

def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def issue_kiosk_token(name: str, actor) -> tuple[KioskToken, str]:
    """A new kiosk and its secret token; only the hash is kept, so the token is shown once."""
    if not name.strip():
        raise ServiceError(_("This field is required."), field="name")
    token = secrets.token_urlsafe(24)
    kiosk = KioskToken(name=name.strip(), token_hash=_hash(token), created_by_id=getattr(actor, "id", None))
    db.session.add(kiosk)
    audit.record_event(audit.CREATE, kiosk, actor, changes={"name": [None, kiosk.name]})
    db.session.commit()
    return kiosk, token


def revoke_kiosk(kiosk: KioskToken, actor) -> None:
    if kiosk.revoked_at is None:
        kiosk.revoked_at = utcnow()
        audit.record_event(audit.UPDATE, kiosk, actor, changes={"revoked_at": [None, kiosk.revoked_at.isoformat()]})
        db.session.commit()


def find_kiosk(token: str) -> KioskToken | None:
    """The kiosk of this address, revoked or not; None for an address QMS never issued."""
    return db.session.scalars(select(KioskToken).where(KioskToken.token_hash == _hash(token or ""))).first()


def list_kiosks() -> list[KioskToken]:
    return list(db.session.scalars(select(KioskToken).order_by(KioskToken.id.desc())))


@dataclass(frozen=True)
class KioskVotes:
    satisfied: int = 0
    dissatisfied: int = 0

    @property
    def total(self) -> int:
        return self.satisfied + self.dissatisfied


def kiosk_vote_counts() -> dict[int, KioskVotes]:
    """Votes per kiosk id, satisfied and dissatisfied, in one query (kiosks without votes are absent)."""
    rows = db.session.execute(select(Vote.kiosk_id, func.sum(sql_case((Vote.satisfied, 1), else_=0)), func.count())
                              .where(Vote.kiosk_id.is_not(None)).group_by(Vote.kiosk_id))
    return {kiosk_id: KioskVotes(int(satisfied or 0), int(total - (satisfied or 0)))
            for kiosk_id, satisfied, total in rows}


def contact_retention_days() -> int:
    """How long a citizen's contact details are kept after the vote (QMS_KIOSK_CONTACT_RETENTION_DAYS)."""
    return int(current_app.config["QMS_KIOSK_CONTACT_RETENTION_DAYS"])


def forget_old_contacts(now: dt.datetime | None = None) -> int:
    """Erase the contact details of votes older than the retention period the kiosk's notice promises."""
    cutoff = (now or utcnow()) - dt.timedelta(days=contact_retention_days())
    result = db.session.execute(update(Vote).where(Vote.cast_at < cutoff, Vote.contact != "")
                                .values(contact="").execution_options(synchronize_session=False))
    return result.rowcount or 0


class RateLimited(ServiceError):
    pass


def cast_vote(kiosk: KioskToken, satisfied: bool, reason: str = "", contact: str = "",
              now: dt.datetime | None = None) -> Vote:
    """Record a vote; a dissatisfied one opens a follow-up case. At most VOTES_PER_MINUTE per kiosk."""
    now = now or utcnow()
    recent = db.session.scalar(select(func.count()).select_from(Vote).where(
        Vote.kiosk_id == kiosk.id, Vote.cast_at > now - dt.timedelta(minutes=1)))
    if recent >= VOTES_PER_MINUTE:
        raise RateLimited(_("Too many votes from this kiosk just now. Please wait a minute."))
    vote = Vote(kiosk_id=kiosk.id, cast_at=now, satisfied=satisfied, reason=(reason or "").strip()[:2000],
                contact=(contact or "").strip()[:200])
    db.session.add(vote)
    forget_old_contacts(now)  # every vote keeps the promise, even where no scheduled job runs the command
    if not satisfied:
        db.session.flush()
        case = FollowUpCase(vote_id=vote.id)
        db.session.add(case)
        audit.record_event(audit.CREATE, case, None, changes={"reason": [None, vote.reason[:200]]})
    db.session.commit()
    return vote


def list_cases(open_only: bool = True) -> list[FollowUpCase]:
    return list(db.session.scalars(cases_query(open_only)))


def cases_query(open_only: bool = True):
    """Follow-up cases, open first, newest first."""
    query = select(FollowUpCase).order_by(FollowUpCase.closed_on.is_not(None), FollowUpCase.id.desc())
    if open_only:
        query = query.where(FollowUpCase.closed_on.is_(None))
    return query


def count_open_cases() -> int:
    return db.session.scalar(select(func.count()).select_from(FollowUpCase)
                             .where(FollowUpCase.closed_on.is_(None))) or 0


def update_case(case: FollowUpCase, values: Mapping[str, Any], actor) -> FollowUpCase:
    data = {key: values[key] for key in CASE_FIELDS if key in values}
    if data.get("closed_on") and not (str(data.get("response_to_citizen") or case.response_to_citizen).strip()):
        raise ServiceError(_("Record the response to the citizen before closing the case."),
                           field="response_to_citizen")
    return save_record(case, data, actor)


def weekly_satisfaction(today: dt.date, weeks: int, zone) -> list[tuple[dt.date, int, int]]:
    """(Monday of the week, satisfied votes, all votes) for the last weeks, oldest first, in one query."""
    monday = today - dt.timedelta(days=today.weekday())
    start = monday - dt.timedelta(weeks=weeks - 1)
    since = dt.datetime.combine(start, dt.time.min, tzinfo=zone)
    mondays = [start + dt.timedelta(weeks=w) for w in range(weeks)]
    # Each vote falls in the week whose bounds (the office's midnights) hold it: counted by the database.
    bounds = [(dt.datetime.combine(monday, dt.time.min, tzinfo=zone),
               dt.datetime.combine(monday + dt.timedelta(weeks=1), dt.time.min, tzinfo=zone)) for monday in mondays]
    week = sql_case(*((and_(Vote.cast_at >= first, Vote.cast_at < after), n)
                      for n, (first, after) in enumerate(bounds)), else_=-1).label("week")
    counts = {n: (0, 0) for n in range(weeks)}
    for n, satisfied, total in db.session.execute(
            select(week, func.sum(sql_case((Vote.satisfied.is_(True), 1), else_=0)), func.count())
            .where(Vote.cast_at >= since, Vote.cast_at < bounds[-1][1]).group_by(week)):
        if n in counts:
            counts[n] = (int(satisfied or 0), total)
    return [(mondays[n], sat, total) for n, (sat, total) in sorted(counts.items())]
