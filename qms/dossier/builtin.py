"""The dossier's own sections: cover, organization profile, contents, foreword and the evidence index."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l

from qms.spine.sections import GatherContext, Section, register_section


def cover(context: GatherContext) -> dict:
    return {"organization": context.organization, "cycle": context.cycle, "dossier": context.dossier}


def profile(context: GatherContext) -> dict | None:
    from qms.core.services import population_per_staff

    organization = context.organization
    if organization is None:
        return None
    return {"organization": organization,
            "per_staff": population_per_staff(organization.population, organization.staff_count)}


def contents(context: GatherContext) -> dict | None:
    entries = [(section, variables) for section, variables in context.included if section.in_toc]
    return {"entries": entries} if entries else None


def foreword(context: GatherContext) -> dict | None:
    text = (context.dossier.foreword or "").strip()
    return {"foreword": text} if text else None


def evidence_index(context: GatherContext) -> dict | None:
    if not context.index:
        return None
    entries = sorted(context.index.values(), key=lambda e: (e.kind, e.title))
    return {"entries": entries}


def register() -> None:
    register_section(Section("cover", _l("Cover"), 0, "pdf/dossier/cover.html", cover, in_toc=False))
    register_section(Section("contents", _l("Contents"), 5, "pdf/dossier/contents.html", contents, late=2,
                             in_toc=False))
    register_section(Section("foreword", _l("Leadership foreword"), 10, "pdf/dossier/foreword.html", foreword))
    register_section(Section("profile", _l("Organization profile"), 15, "pdf/dossier/profile.html", profile))
    register_section(Section("evidence_index", _l("Evidence index"), 95, "pdf/dossier/evidence_index.html",
                             evidence_index, late=1))
