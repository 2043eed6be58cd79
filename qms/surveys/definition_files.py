"""Reading and validating survey definitions (YAML): dimensions with their rating items, overall and free text."""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from flask_babel import gettext as _

from qms.yamlfiles import LINE, DataFileError, Problem, load, texts

SHIPPED_DIR = Path(__file__).resolve().parent / "definitions"


@dataclass
class QuestionSpec:
    code: str
    text_zh: str
    text_en: str
    kind: str
    reverse: bool = False
    dimension: str | None = None


@dataclass
class SurveySpec:
    title_zh: str
    title_en: str
    scale_points: int
    sampling_frame: str
    population: int | None
    dimensions: list[tuple[str, str, str]] = field(default_factory=list)  # (code, zh, en)
    questions: list[QuestionSpec] = field(default_factory=list)


def parse(text: str) -> SurveySpec:
    data = load(text)
    if not isinstance(data, dict):
        raise DataFileError([Problem(1, _("A survey file must be a mapping with title, scale_points and "
                                          "dimensions."))])
    problems: list[Problem] = []
    line = data.get(LINE, 1)
    title_zh, title_en = texts(data.get("title"), line, "title", problems)
    scale = data.get("scale_points", 5)
    if scale not in (5, 7):
        problems.append(Problem(line, _("scale_points must be 5 or 7.")))
        scale = 5
    population = data.get("population")
    if population is not None and (isinstance(population, bool) or not isinstance(population, int) or population < 1):
        problems.append(Problem(line, _("population must be a whole number of at least 1.")))
        population = None
    spec = SurveySpec(title_zh=title_zh, title_en=title_en, scale_points=scale,
                      sampling_frame=str(data.get("sampling_frame") or ""), population=population)
    codes: dict[str, int | None] = {}

    def question(raw, kind, dimension=None):
        q_line = raw.get(LINE) if isinstance(raw, dict) else line
        code = str(raw.get("code") or "").strip() if isinstance(raw, dict) else ""
        if not code:
            problems.append(Problem(q_line, _("Every question needs a code.")))
            return
        if code in codes:
            problems.append(Problem(q_line, _("The code %(code)s is used twice (first on line %(first)s).",
                                              code=code, first=codes[code])))
            return
        codes[code] = q_line
        zh, en = texts(raw.get("text"), q_line, _("The text of %(code)s", code=code), problems)
        spec.questions.append(QuestionSpec(code, zh, en, kind, bool(raw.get("reverse", False)), dimension))

    dimensions = data.get("dimensions")
    if not isinstance(dimensions, list) or not dimensions:
        problems.append(Problem(line, _("dimensions must be a non-empty list.")))
        dimensions = []
    for raw in dimensions:
        d_line = raw.get(LINE) if isinstance(raw, dict) else line
        code = str(raw.get("code") or "").strip() if isinstance(raw, dict) else ""
        if not code:
            problems.append(Problem(d_line, _("Every dimension needs a code.")))
            continue
        zh, en = texts(raw.get("name"), d_line, _("The name of %(code)s", code=code), problems)
        spec.dimensions.append((code, zh, en))
        items = raw.get("items") or []
        if not items:
            problems.append(Problem(d_line, _("The dimension %(code)s has no items.", code=code)))
        for item in items:
            question(item, "likert", code)
    if data.get("overall") is not None:
        question(data["overall"], "overall")
    if data.get("free_text") is not None:
        question(data["free_text"], "text")
    if problems:
        raise DataFileError(sorted(problems, key=lambda p: p.line or 0))
    return spec


def shipped_files() -> list[Path]:
    return sorted(SHIPPED_DIR.glob("*.yaml"))
