"""Data files in YAML (frameworks, scorecards, survey definitions): safe loading that keeps line numbers, then
checking against declared pydantic models, every problem reported with its line and a translated reason."""
from __future__ import annotations

import enum
import hashlib
from dataclasses import dataclass
from typing import Annotated, Any, ClassVar, Self, get_args

import yaml
from flask_babel import gettext as _
from pydantic import BaseModel, BeforeValidator, Field, PrivateAttr, StringConstraints, ValidationError

LINE = "__line__"
LANGS = {"zh": "zh_Hant_TW", "en": "en"}


class AliasRefused(yaml.YAMLError):
    """An anchor (&) or alias (*): a 500-byte file of nested aliases expands to millions of values."""

    def __init__(self, mark):
        super().__init__("anchors and aliases are not accepted")
        self.problem_mark = mark


class LineLoader(yaml.SafeLoader):
    """Safe loading that remembers, under LINE, the line each mapping starts on, and refuses anchors and aliases
    (no data file needs them; they are how a tiny file expands into a huge one)."""

    def compose_node(self, parent, index):
        event = self.peek_event()
        if isinstance(event, yaml.AliasEvent) or getattr(event, "anchor", None):
            raise AliasRefused(event.start_mark)
        return super().compose_node(parent, index)

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


class DataFileError(ValueError):
    """Every problem found in a file. Raised inside a validator, pydantic keeps it whole and parse lists them all."""

    def __init__(self, problems: list[Problem]):
        super().__init__("; ".join(str(p) for p in problems))
        self.problems = problems


def refuse(problems: list[Problem]) -> None:
    if problems:
        raise DataFileError(problems)


def load(text: str):
    """Parse YAML with line numbers; a syntax error becomes a DataFileError naming its line."""
    try:
        return yaml.load(text, Loader=LineLoader)  # LineLoader is a SafeLoader subclass  # nosec B506
    except AliasRefused as error:
        raise DataFileError([Problem(error.problem_mark.line + 1, _(
            "Anchors and aliases (& and *) are not accepted in QMS data files; write each value out."))]) from None
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        raise DataFileError([Problem(mark.line + 1 if mark else None,
                                     _("This is not valid YAML: %(error)s", error=getattr(error, "problem", error)))]
                            ) from None


def empty_if_none(value):
    """An empty entry (`en:` with nothing after it) reads as an empty text."""
    return "" if value is None else value


def as_text(value):
    """A number, date or word as text; a list or mapping stays as it is, to be refused (and never printed)."""
    return value if isinstance(value, (list, dict)) else str(value)


# Any value as text (nothing for an empty entry); a code or key, not blank; a text, not blank.
Plain = Annotated[str, BeforeValidator(lambda value: as_text(value or ""))]
Code = Annotated[Plain, StringConstraints(strip_whitespace=True, min_length=1)]
Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]
OptionalText = Annotated[str, BeforeValidator(empty_if_none), StringConstraints(strip_whitespace=True)]


class Entry(BaseModel):
    """A mapping of a data file, with the line it starts on.

    problems says, per field, what to tell the user when its value is wrong (a sentence formatted with the mapping's
    own values, such as %(code)s), or for a text in both languages how to name it; under "", what to say when the
    mapping itself is missing or is not a mapping. A bilingual field such as name also reads as name_zh and name_en,
    as the database columns are named.
    """

    problems: ClassVar[dict[str, Any]] = {}
    line: int | None = Field(None, alias=LINE)

    def __getattr__(self, name: str):
        field, _sep, lang = name.rpartition("_")
        if lang in LANGS and field in type(self).model_fields:
            texts = getattr(self, field)
            return getattr(texts, LANGS[lang]) if texts is not None else ""
        return super().__getattr__(name)


class Texts(Entry):
    """A text in both languages: {zh_Hant_TW: ..., en: ...}."""

    zh_Hant_TW: Text
    en: Text


class OptionalTexts(Texts):
    zh_Hant_TW: OptionalText = ""
    en: OptionalText = ""


class Document(Entry):
    """A whole data file; problems[""] says what the file must be."""

    _source_text: str = PrivateAttr("")

    @property
    def source_text(self) -> str:
        return self._source_text

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self._source_text.encode("utf-8")).hexdigest()

    @classmethod
    def from_yaml(cls, text: str) -> Self:
        """Parse and validate a file; raise DataFileError listing every problem found, by line."""
        data = load(text)
        if not isinstance(data, dict):
            raise DataFileError([Problem(1, str(cls.problems[""]))])
        try:
            document = cls.model_validate(data)
        except ValidationError as error:
            problems = [problem for detail in error.errors() for problem in _explain(detail, cls, data)]
            raise DataFileError(sorted(problems, key=lambda p: p.line or 0)) from None
        document._source_text = text
        return document


def used_twice(entries) -> list[Problem]:
    """Each entry whose code an earlier entry already has."""
    first: dict[str, int | None] = {}
    problems = []
    for entry in entries:
        if entry.code in first:
            problems.append(Problem(entry.line, _("The code %(code)s is used twice (first on line %(first)s).",
                                                  code=entry.code, first=first[entry.code])))
        else:
            first[entry.code] = entry.line
    return problems


class _Values(dict):
    """A mapping's plain values, for a message's %(code)s; one that is missing (or is a list) reads as a dash."""

    def __init__(self, mapping: dict, **more):
        super().__init__(((key, value) for key, value in mapping.items() if not isinstance(value, (list, dict))),
                         **more)

    def __missing__(self, key):
        return "—"


def _inner(annotation) -> type | None:
    """The model or enum a field holds, through list[...], ... | None and Annotated[...]."""
    if isinstance(annotation, type) and issubclass(annotation, (BaseModel, enum.Enum)):
        return annotation
    return next((found for arg in get_args(annotation) if (found := _inner(arg))), None)


def _explain(error: dict, model: type[Entry], data: dict) -> list[Problem]:
    """One pydantic error as problems: the line of the innermost mapping on its path, and a translated reason."""
    cause = (error.get("ctx") or {}).get("error")
    if isinstance(cause, DataFileError):
        return cause.problems
    loc, unknown = error["loc"], error["type"] in ("extra_forbidden", "invalid_key")
    line, values, node, owner, kind, field, what = data.get(LINE), _Values(data), data, model, model, "", ""
    for part in loc[:-1] if unknown else loc:  # an unknown key is reported where its mapping starts
        if isinstance(part, int):  # an entry of a list speaks of its own code, not its parent's
            node = node[part] if isinstance(node, list) and part < len(node) else None
            values = _Values({}, number=part + 1)
        else:
            fields = {info.validation_alias or name: info for name, info in getattr(kind, "model_fields", {}).items()}
            owner, field, kind = kind, part, _inner(fields[part].annotation) if part in fields else None
            node = node.get(part) if isinstance(node, dict) else None
            if isinstance(kind, type) and issubclass(kind, Texts):
                what = owner.problems.get(part, part)
        if isinstance(node, dict):
            line = node.get(LINE, line)
            values.update(_Values(node))
    values["choices"] = ", ".join(member.value for member in kind) if isinstance(kind, enum.EnumType) else "—"
    said = getattr(owner, "problems", {}).get(field) if loc and isinstance(loc[-1], str) else None
    if unknown:
        reason = _("Unknown field %(name)s.", name=loc[-1])
    elif error["type"] == "value_error":
        reason = str(cause)
    elif field in LANGS.values():
        reason = _("%(what)s is missing its %(lang)s text.", what=str(said or what) % values, lang=field)
    elif isinstance(kind, type) and issubclass(kind, Texts):
        reason = _("%(what)s needs zh_Hant_TW and en texts.", what=str(what) % values)
    elif said or (said := getattr(kind, "problems", {}).get("")):
        reason = str(said) % values
    else:
        reason = _("%(name)s is not valid.", name=field)
    return [Problem(line, reason)]
