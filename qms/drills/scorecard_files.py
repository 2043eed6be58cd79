"""Reading and validating scorecard files (YAML): sections, criteria with scale and weight, rating bands."""
from __future__ import annotations

from decimal import Decimal
from pathlib import Path

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from pydantic import Field, model_validator

from qms.drills.models import Channel, ScaleKind
from qms.yamlfiles import Code, Document, Entry, OptionalTexts, Problem, Text, Texts, refuse, used_twice

SHIPPED_DIR = Path(__file__).resolve().parent / "scorecards"


class Band(Entry):
    problems = {"": _l("Every band needs a key."), "key": _l("Every band needs a key."),
                "min": _l("A band's min must be a number from 0 to 100."),
                "zh_Hant_TW": _l("The band %(key)s"), "en": _l("The band %(key)s")}
    key: Code
    min: Decimal = Field(ge=0, le=100)
    zh_Hant_TW: Text
    en: Text


class CriterionSpec(Entry):
    problems = {"": _l("Every criterion needs a code."), "code": _l("Every criterion needs a code."),
                "scale": _l("scale must be yes_no, one_to_five or points."),
                "weight": _l("%(code)s needs a weight: a number of at least 0."),
                "max_points": _l("%(code)s is scored in points and needs max_points."),
                "text": _l("The text of %(code)s")}
    code: Code
    scale: ScaleKind
    weight: Decimal = Field(ge=0)
    max_points: Decimal | None = Field(None, gt=0)
    critical: bool = False
    text: Texts

    @model_validator(mode="after")
    def _points_need_a_maximum(self) -> CriterionSpec:
        if self.scale != ScaleKind.POINTS:
            self.max_points = None
        elif self.max_points is None:
            raise ValueError(_("%(code)s is scored in points and needs max_points.", code=self.code))
        return self


class SectionSpec(Entry):
    problems = {"": _l("Every section needs a code."), "code": _l("Every section needs a code."),
                "name": _l("The name of %(code)s"), "criteria": _l("The section %(code)s has no criteria.")}
    code: Code
    name: Texts
    criteria: list[CriterionSpec] = Field(min_length=1)


class ScorecardSpec(Document):
    problems = {"": _l("A scorecard file must be a mapping with key, name, channel, bands and sections."),
                "key": _l("key is required."), "channel": _l("channel must be one of: %(choices)s."),
                "bands": _l("bands must list at least one rating band."),
                "sections": _l("sections must be a non-empty list.")}
    key: Code
    name: Texts
    description: OptionalTexts | None = None
    channel: Channel
    rating_bands: list[Band] = Field(validation_alias="bands", min_length=1)
    sections: list[SectionSpec] = Field(min_length=1)

    @model_validator(mode="after")
    def _each_band_and_code_once(self) -> ScorecardSpec:
        keys = [band.key for band in self.rating_bands]
        refuse([Problem(band.line, _("The band %(key)s appears twice.", key=band.key))
                for position, band in enumerate(self.rating_bands) if band.key in keys[:position]]
               + used_twice(criterion for section in self.sections for criterion in section.criteria))
        return self

    @property
    def bands(self) -> list[dict]:
        """The rating bands as stored with the scorecard, highest first."""
        return [{"key": band.key, "min": float(band.min), "zh_Hant_TW": band.zh_Hant_TW, "en": band.en}
                for band in sorted(self.rating_bands, key=lambda band: -band.min)]


parse = ScorecardSpec.from_yaml  # raises DataFileError listing every problem found


def shipped_files() -> list[Path]:
    return sorted(SHIPPED_DIR.glob("*.yaml"))
