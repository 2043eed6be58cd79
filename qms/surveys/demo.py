"""Demo survey: the office's 2014 round (2,032 handed out, 1,786 returned, 1,760 valid) with generated answers.

The counts are the source's; the answers are synthetic (a common satisfaction factor per respondent, so the
scale is reliable as the source reports), made deterministically so the figures are the same on every machine.
26 returned forms are unusable: 20 left most questions blank and 6 have an answer outside 1–5.
"""
from __future__ import annotations

import datetime as dt

import numpy as np
from sqlalchemy import select

from qms.surveys import services
from qms.surveys.models import Survey, SurveyRound

HANDED_OUT, RETURNED, VALID = 2032, 1786, 1760


def demo_table(survey: Survey, rows: int = RETURNED, invalid_blank: int = 20, invalid_range: int = 6,
               seed: int = 103) -> list[list]:
    """A response table as a spreadsheet would hold it: a header of question codes, then one row per form."""
    rng = np.random.default_rng(seed)
    questions = sorted(survey.questions, key=lambda q: q.position)
    header = [q.code for q in questions]
    table = [header]
    k = survey.scale_points
    for number in range(rows):
        level = rng.normal(4.1, 0.55)
        row = []
        for question in questions:
            if question.kind.value == "text":
                row.append("希望增加停車位" if number % 97 == 0 else "")
                continue
            value = int(np.clip(np.rint(level + rng.normal(0, 0.35)), 1, k))
            row.append(k + 1 - value if question.reverse else value)
        if number < invalid_blank:
            row = [value if i < 2 else "" for i, value in enumerate(row)]
        elif number < invalid_blank + invalid_range:
            row[3] = k + 1  # off the scale; not 9, which the shipped survey reads as "no answer"
        table.append(row)
    return table


def seed(actor) -> bool:
    if db_has_surveys():
        return False
    survey = services.import_shipped(actor)[0]
    survey_round = services.save_round(survey, None, {
        "label": "103年1–8月", "period_start": dt.date(2014, 1, 1), "period_end": dt.date(2014, 8, 31),
        "handed_out": HANDED_OUT, "returned": RETURNED, "max_blank_share": 0.5, "exclude_straight_lining": False,
        "printed_margin": 0.02}, actor)
    table = demo_table(survey)
    services.import_responses(survey_round, table, services.guess_mapping(survey, table[0]), "demo-2014.csv",
                              actor, no_answer=survey.no_answer or ())
    return True


def db_has_surveys() -> bool:
    from qms.extensions import db

    return db.session.scalar(select(SurveyRound.id).limit(1)) is not None or \
        db.session.scalar(select(Survey.id).limit(1)) is not None
