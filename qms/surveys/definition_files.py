"""Reading and validating survey definitions (YAML): dimensions with their rating items, overall and free text."""
from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from pydantic import Field, model_validator

from qms.yamlfiles import Code, Document, Entry, Plain, Problem, Texts, refuse, used_twice

SHIPPED_DIR = Path(__file__).resolve().parent / "definitions"


@dataclass
class QuestionSpec:
    code: str
    text_zh: str
    text_en: str
    kind: str
    reverse: bool = False
    dimension: str | None = None


class Question(Entry):
    problems = {"": _l("Every question needs a code."), "code": _l("Every question needs a code."),
                "text": _l("The text of %(code)s")}
    code: Code
    text: Texts
    reverse: bool = False

    def spec(self, kind: str, dimension: str | None = None) -> QuestionSpec:
        return QuestionSpec(self.code, self.text_zh, self.text_en, kind, self.reverse, dimension)


class Dimension(Entry):
    problems = {"": _l("Every dimension needs a code."), "code": _l("Every dimension needs a code."),
                "name": _l("The name of %(code)s"), "items": _l("The dimension %(code)s has no items.")}
    code: Code
    name: Texts
    items: list[Question] = Field(min_length=1)


class SurveySpec(Document):
    problems = {"": _l("A survey file must be a mapping with title, scale_points and dimensions."),
                "scale_points": _l("scale_points must be 5 or 7."),
                "population": _l("population must be a whole number of at least 1."),
                "dimensions": _l("dimensions must be a non-empty list."),
                "no_answer": _l('no_answer must be a list of codes, such as ["n/a", "unknown", "9"].')}
    title: Texts
    scale_points: Literal[5, 7] = 5
    sampling_frame: Plain = ""
    population: int | None = Field(None, ge=1, strict=True)
    dimension_entries: list[Dimension] = Field(validation_alias="dimensions", min_length=1)
    overall: Question | None = None
    free_text: Question | None = None
    # Answers that mean "no answer" (don't know, no opinion, a code such as 9): read as blanks, not as errors.
    no_answer: list[Plain] = []

    @model_validator(mode="after")
    def _each_code_once(self) -> SurveySpec:
        refuse(used_twice([item for dimension in self.dimension_entries for item in dimension.items]
                          + [question for question in (self.overall, self.free_text) if question is not None]))
        return self

    @model_validator(mode="after")
    def _no_answer_is_not_an_answer(self) -> SurveySpec:
        scale = {str(point) for point in range(1, self.scale_points + 1)}
        refuse([Problem(self.line, _("The no-answer code %(code)s is an answer on the scale 1–%(k)d.",
                                      code=code, k=self.scale_points))
                for code in self.no_answer if answer_key(code) in scale]
               + [Problem(self.line, _("A no-answer code is blank."))
                  for code in self.no_answer if not answer_key(code)])
        return self

    @property
    def dimensions(self) -> list[tuple[str, str, str]]:
        """(code, zh, en) of each dimension."""
        return [(dimension.code, dimension.name_zh, dimension.name_en) for dimension in self.dimension_entries]

    @property
    def questions(self) -> list[QuestionSpec]:
        """The rating items dimension by dimension, then the overall question and the free text."""
        rated = [item.spec("likert", dimension.code)
                 for dimension in self.dimension_entries for item in dimension.items]
        return rated + [question.spec(kind) for question, kind in ((self.overall, "overall"), (self.free_text, "text"))
                        if question is not None]


parse = SurveySpec.from_yaml  # raises DataFileError listing every problem found


def answer_key(value) -> str:
    """An answer or a no-answer code as they are compared: full-width forms as half-width (９, ｎ／ａ), trimmed,
    case-folded, and a whole number written one way (9, 9.0 and "9" are the same answer)."""
    text = unicodedata.normalize("NFKC", str(value)).strip().casefold()
    try:
        number = float(text)
    except ValueError:
        return text
    return str(int(number)) if number.is_integer() else text


def shipped_files() -> list[Path]:
    return sorted(SHIPPED_DIR.glob("*.yaml"))
