"""The dossier's own sections: cover, organization profile, contents, foreword and the evidence index."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l

from qms.spine.sections import GatherContext, Section, register_section

# Closing brackets and their openings: a title ending in a short bracketed group keeps the group on one line.
BRACKETS = {"）": "（", ")": "(", "」": "「", "』": "『", "】": "【"}
LONGEST_KEPT_GROUP = 16  # characters: what still fits on one line of the cover title
KEEP_LAST = 3  # characters kept together at the end of any other title


def title_parts(title: str) -> tuple[str, str]:
    """The cover title as (head, tail), the tail to be printed unbroken so that the last line is never one lone
    character: a closing bracketed group such as "（第一線服務機關）" when it is short, else the last three
    characters. (WeasyPrint has no `text-wrap: balance`.)"""
    title = (title or "").strip()
    if title and title[-1] in BRACKETS:
        opening = title.rfind(BRACKETS[title[-1]])
        if 0 < opening and len(title) - opening <= LONGEST_KEPT_GROUP:
            return title[:opening], title[opening:]
    if len(title) <= KEEP_LAST:
        return "", title
    return title[:-KEEP_LAST], title[-KEEP_LAST:]


def cover(context: GatherContext) -> dict:
    head, tail = title_parts(context.dossier.title)
    return {"organization": context.organization, "cycle": context.cycle, "dossier": context.dossier,
            "title_head": head, "title_tail": tail, "period": context.period}


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
