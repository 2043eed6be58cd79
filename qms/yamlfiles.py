"""Data files in YAML (frameworks, scorecards): safe loading that keeps line numbers for error messages."""
from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

import yaml
from flask_babel import gettext as _

LINE = "__line__"


class LineLoader(yaml.SafeLoader):
    """Safe loading that remembers, under LINE, the line each mapping starts on."""

    def construct_mapping(self, node, deep=False):
        mapping = super().construct_mapping(node, deep=deep)
        mapping[LINE] = node.start_mark.line + 1
        return mapping


@dataclass
class Problem:
    line: int | None
    message: str

    def __str__(self) -> str:
        return _("Line %(line)d: %(message)s", line=self.line, message=self.message) if self.line else self.message


class DataFileError(Exception):
    def __init__(self, problems: list[Problem]):
        super().__init__("; ".join(str(p) for p in problems))
        self.problems = problems


def load(text: str):
    """Parse YAML with line numbers; a syntax error becomes a DataFileError naming its line."""
    try:
        return yaml.load(text, Loader=LineLoader)  # noqa: S506 - a SafeLoader subclass
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        raise DataFileError([Problem(mark.line + 1 if mark else None,
                                     _("This is not valid YAML: %(error)s", error=getattr(error, "problem", error)))]
                            ) from None


def texts(value, line, what, problems, required=True, langs=("zh_Hant_TW", "en")) -> tuple[str, str]:
    """A {zh_Hant_TW, en} pair; both languages required when required is set."""
    if value is None and not required:
        return "", ""
    if not isinstance(value, dict):
        problems.append(Problem(line, _("%(what)s needs zh_Hant_TW and en texts.", what=what)))
        return "", ""
    found = []
    for lang in langs:
        text = value.get(lang)
        if required and (not isinstance(text, str) or not text.strip()):
            problems.append(Problem(value.get(LINE, line), _("%(what)s is missing its %(lang)s text.",
                                                             what=what, lang=lang)))
            text = ""
        found.append((text or "").strip() if isinstance(text, str) else "")
    return found[0], found[1]


def number(value, minimum: Decimal | None = None) -> Decimal | None:
    """A finite number from a data file (not a boolean), at least minimum when given; None otherwise."""
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        return None
    try:
        result = Decimal(str(value))
    except InvalidOperation:
        return None
    if not result.is_finite() or (minimum is not None and result < minimum):
        return None
    return result
