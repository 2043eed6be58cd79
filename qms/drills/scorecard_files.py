"""Reading and validating scorecard files (YAML): sections, criteria with scale and weight, rating bands."""
from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from flask_babel import gettext as _

from qms.drills.models import Channel, ScaleKind
from qms.yamlfiles import LINE, DataFileError, Problem, load, number, texts

SHIPPED_DIR = Path(__file__).resolve().parent / "scorecards"


@dataclass
class CriterionSpec:
    code: str
    text_zh: str
    text_en: str
    scale: ScaleKind
    weight: Decimal
    max_points: Decimal | None
    critical: bool


@dataclass
class SectionSpec:
    code: str
    name_zh: str
    name_en: str
    criteria: list[CriterionSpec] = field(default_factory=list)


@dataclass
class ScorecardSpec:
    key: str
    name_zh: str
    name_en: str
    channel: Channel
    description_zh: str
    description_en: str
    bands: list[dict]
    sections: list[SectionSpec]
    source_text: str

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.source_text.encode("utf-8")).hexdigest()




def parse_bands(raw, line, problems) -> list[dict]:
    if not isinstance(raw, list) or not raw:
        problems.append(Problem(line, _("bands must list at least one rating band.")))
        return []
    bands, keys = [], set()
    for band in raw:
        band_line = band.get(LINE, line) if isinstance(band, dict) else line
        if not isinstance(band, dict) or not str(band.get("key") or "").strip():
            problems.append(Problem(band_line, _("Every band needs a key.")))
            continue
        minimum = number(band.get("min"), Decimal(0))
        if minimum is None or minimum > 100:
            problems.append(Problem(band_line, _("A band's min must be a number from 0 to 100.")))
            continue
        if band["key"] in keys:
            problems.append(Problem(band_line, _("The band %(key)s appears twice.", key=band["key"])))
            continue
        keys.add(band["key"])
        zh, en = texts(band, band_line, _("The band %(key)s", key=band["key"]), problems)
        bands.append({"key": str(band["key"]), "min": float(minimum), "zh_Hant_TW": zh, "en": en})
    return sorted(bands, key=lambda b: -b["min"])


def parse(text: str) -> ScorecardSpec:
    data = load(text)
    if not isinstance(data, dict):
        raise DataFileError([Problem(1, _("A scorecard file must be a mapping with key, name, channel, bands and "
                                          "sections."))])
    problems: list[Problem] = []
    line = data.get(LINE, 1)
    key = str(data.get("key") or "").strip()
    if not key:
        problems.append(Problem(line, _("key is required.")))
    name_zh, name_en = texts(data.get("name"), line, "name", problems)
    description_zh, description_en = texts(data.get("description"), line, "description", problems, required=False)
    try:
        channel = Channel(data.get("channel"))
    except ValueError:
        problems.append(Problem(line, _("channel must be one of: %(choices)s.",
                                        choices=", ".join(c.value for c in Channel))))
        channel = Channel.COUNTER
    bands = parse_bands(data.get("bands"), line, problems)
    sections, codes = [], {}
    raw_sections = data.get("sections")
    if not isinstance(raw_sections, list) or not raw_sections:
        problems.append(Problem(line, _("sections must be a non-empty list.")))
        raw_sections = []
    for raw in raw_sections:
        section_line = raw.get(LINE) if isinstance(raw, dict) else None
        if not isinstance(raw, dict) or not str(raw.get("code") or "").strip():
            problems.append(Problem(section_line, _("Every section needs a code.")))
            continue
        section = SectionSpec(str(raw["code"]), *texts(raw.get("name"), section_line, _("The name of %(code)s",
                                                                                          code=raw["code"]), problems))
        for criterion in raw.get("criteria") or []:
            c_line = criterion.get(LINE) if isinstance(criterion, dict) else section_line
            code = str(criterion.get("code") or "").strip() if isinstance(criterion, dict) else ""
            if not code:
                problems.append(Problem(c_line, _("Every criterion needs a code.")))
                continue
            if code in codes:
                problems.append(Problem(c_line, _("The code %(code)s is used twice (first on line %(first)s).",
                                                  code=code, first=codes[code])))
                continue
            codes[code] = c_line
            try:
                scale = ScaleKind(criterion.get("scale"))
            except ValueError:
                problems.append(Problem(c_line, _("scale must be yes_no, one_to_five or points.")))
                continue
            weight = number(criterion.get("weight"), Decimal(0))
            if weight is None:
                problems.append(Problem(c_line, _("%(code)s needs a weight: a number of at least 0.", code=code)))
                continue
            max_points = number(criterion.get("max_points"), Decimal(0)) if scale == ScaleKind.POINTS else None
            if scale == ScaleKind.POINTS and not max_points:
                problems.append(Problem(c_line, _("%(code)s is scored in points and needs max_points.", code=code)))
                continue
            zh, en = texts(criterion.get("text"), c_line, _("The text of %(code)s", code=code), problems)
            section.criteria.append(CriterionSpec(code, zh, en, scale, weight, max_points,
                                                  bool(criterion.get("critical", False))))
        if not section.criteria:
            problems.append(Problem(section_line, _("The section %(code)s has no criteria.", code=section.code)))
        sections.append(section)
    if problems:
        raise DataFileError(sorted(problems, key=lambda p: p.line or 0))
    return ScorecardSpec(key=key, name_zh=name_zh, name_en=name_en, channel=channel, description_zh=description_zh,
                         description_en=description_en, bands=bands, sections=sections, source_text=text)


def shipped_files() -> list[Path]:
    return sorted(SHIPPED_DIR.glob("*.yaml"))
