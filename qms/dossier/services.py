"""Rules and writes for application dossiers: settings, building the HTML, rendering versions, the final lock."""
from __future__ import annotations

import datetime as dt
import gzip
import hashlib
import io
import secrets
from dataclasses import dataclass, field
from typing import Any, Mapping

from flask import current_app, has_request_context, render_template, url_for
from flask_babel import force_locale, ngettext
from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from qms import jobs, pdf, storage
from qms.core import audit
from qms.core.models import AwardCycle, utcnow
from qms.core.services import ServiceError, get_organization, save_record
from qms.dossier.models import Dossier, DossierVersion, VersionStatus
from qms.evidence.models import Evidence, EvidenceKind
from qms.extensions import db
from qms.spine import records
from qms.spine import sections as registry

DOSSIER_FIELDS = ("title", "foreword", "sections", "appended_evidence_ids", "page_limit")
STALE_AFTER = dt.timedelta(minutes=20)  # a render this quiet was cut off (the process ended): show it failed
WATERMARK_HIDDEN = ".qms-watermark { display: none !important; }"


def _plain_keys(keys) -> list[str]:
    return [key for key in dict.fromkeys(keys or []) if registry.get(key) is not None]


# --- dossiers ---------------------------------------------------------------------------------

def list_dossiers() -> list[Dossier]:
    return list(db.session.scalars(select(Dossier).join(AwardCycle).order_by(AwardCycle.year.desc(), Dossier.id)))


def cycles_without_dossier() -> list[AwardCycle]:
    taken = select(Dossier.award_cycle_id)
    return list(db.session.scalars(select(AwardCycle).where(AwardCycle.id.not_in(taken))
                                   .order_by(AwardCycle.year.desc())))


def appendable_evidence() -> list[Evidence]:
    """Stored PDF files that may be appended at the end of a dossier."""
    return list(db.session.scalars(select(Evidence).where(Evidence.kind == EvidenceKind.FILE,
                                                          Evidence.content_type == "application/pdf")
                                   .order_by(Evidence.id)))


def _dossier_data(values: Mapping[str, Any]) -> dict:
    data = {key: values[key] for key in DOSSIER_FIELDS if key in values}
    if "title" in data:
        data["title"] = (data["title"] or "").strip()
        if not data["title"]:
            raise ServiceError(_("Give the dossier a title."), field="title")
    if "sections" in data:
        data["sections"] = _plain_keys(data["sections"])
        if not data["sections"]:
            raise ServiceError(_("Choose at least one section."), field="sections")
    if "appended_evidence_ids" in data:
        allowed = {e.id for e in appendable_evidence()}
        wanted = [int(i) for i in data["appended_evidence_ids"] or []]
        if any(i not in allowed for i in wanted):
            raise ServiceError(_("Only stored PDF files can be appended."), field="appended_evidence_ids")
        data["appended_evidence_ids"] = list(dict.fromkeys(wanted))
    if data.get("page_limit") is not None and int(data["page_limit"]) < 1:
        raise ServiceError(_("A page limit must be at least 1."), field="page_limit")
    return data


def create_dossier(cycle: AwardCycle, values: Mapping[str, Any], actor) -> Dossier:
    data = _dossier_data({"sections": registry.default_keys(), **values})
    if db.session.scalar(select(func.count()).select_from(Dossier).where(Dossier.award_cycle_id == cycle.id)):
        raise ServiceError(_("This award cycle already has a dossier."), field="award_cycle_id")
    dossier = Dossier(award_cycle_id=cycle.id, **data)
    db.session.add(dossier)
    audit.record_event(audit.CREATE, dossier, actor, changes=audit.created(dossier, DOSSIER_FIELDS))
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        raise ServiceError(_("This award cycle already has a dossier."), field="award_cycle_id") from None
    return dossier


def update_dossier(dossier: Dossier, values: Mapping[str, Any], actor) -> Dossier:
    return save_record(dossier, _dossier_data(values), actor)


# --- building the document --------------------------------------------------------------------

@dataclass
class Part:
    section: registry.Section
    variables: dict


@dataclass
class Appendix:
    evidence: Evidence
    data: bytes
    pages: int


@dataclass
class Built:
    html: str
    parts: list[Part]
    omitted: list[registry.Section]  # chosen but without data
    warnings: list[str]
    appendices: list[Appendix] = field(default_factory=list)
    period: tuple[dt.date, dt.date] | None = None  # the award cycle's reporting period
    left_out: list[str] = field(default_factory=list)  # what each section left out as outside the period


def _appended_outside(count: int) -> str:
    return ngettext("%(num)d appended file of a record outside the period",
                    "%(num)d appended files of records outside the period", count)


def appendices_in_period(evidence_ids: list[int], context: registry.GatherContext) -> list[int]:
    """The appended evidence whose record (the one it supports) belongs in the dossier; the rest is left out."""
    found = {e.id: e for e in db.session.scalars(select(Evidence).where(Evidence.id.in_(evidence_ids or [])))}
    subjects = records.load_many((e.subject_type, e.subject_id) for e in found.values())
    kept = []
    for evidence_id in evidence_ids or []:
        evidence = found.get(evidence_id)
        subject = subjects.get((evidence.subject_type, evidence.subject_id)) if evidence is not None else None
        if subject is None or context.covers(subject):  # a vanished one is check_appendices' to report
            kept.append(evidence_id)
    context.left_out(len(evidence_ids or []) - len(kept), _appended_outside, section_key="appendices")
    return kept


def left_out_notes(context: registry.GatherContext) -> list[str]:
    """One line per section and kind of record left out as outside the period, in the order they were noted."""
    notes = []
    for (key, describe), count in context.left_outs.items():
        section = registry.get(key)
        label = section.label if section is not None else _("Appended evidence")
        notes.append(_("%(section)s: %(what)s left out.", section=label, what=describe(count)))
    return notes


def check_appendices(evidence_ids: list[int]) -> tuple[list[Appendix], list[str]]:
    """The chosen evidence PDFs that open; a warning for each one that does not (it is left out)."""
    from pypdf import PdfReader

    from qms import uploads

    found = {e.id: e for e in db.session.scalars(select(Evidence).where(
        Evidence.id.in_(evidence_ids or [])))}
    appendices, warnings = [], []
    for evidence_id in evidence_ids or []:
        evidence = found.get(evidence_id)
        if evidence is None:
            warnings.append(_("Appended evidence %(id)s no longer exists; it is left out.", id=evidence_id))
            continue
        try:
            data = uploads.read(evidence.stored_name)
            pages = len(PdfReader(io.BytesIO(data)).pages)
            if pages == 0:
                raise ValueError("no pages")
        except Exception:  # a damaged or mislabelled file must not stop the dossier
            warnings.append(_("“%(title)s” is not a readable PDF; it is left out of the appendices.",
                              title=str(evidence)))
            continue
        appendices.append(Appendix(evidence, data, pages))
    return appendices, warnings


def _preview_static_url(path: str) -> str:
    return url_for("static", filename=path)


def build(dossier: Dossier, preview: bool = False, draft: bool = True, options: Mapping | None = None) -> Built:
    """Gather every chosen section and render the print template (the preview uses the same one)."""
    from qms.i18n import is_chinese

    organization = get_organization()
    context = registry.GatherContext(dossier=dossier, cycle=dossier.award_cycle, organization=organization,
                                     chinese=is_chinese())
    options = options or {}
    chosen = [registry.get(key) for key in _plain_keys(options.get("sections", dossier.sections))]
    results: dict[str, dict | None] = {}
    for section in [s for s in chosen if not s.late]:
        context.section_key = section.key
        results[section.key] = section.gather(context)
        if results[section.key] is not None:
            context.included.append((section, results[section.key]))
    for section in sorted((s for s in chosen if s.late), key=lambda s: s.late):
        context.included = [(s, results[s.key]) for s in chosen if results.get(s.key) is not None]
        context.section_key = section.key
        results[section.key] = section.gather(context)
    parts = [Part(s, results[s.key]) for s in chosen if results.get(s.key) is not None]
    omitted = [s for s in chosen if results.get(s.key) is None]
    appendices, appendix_warnings = check_appendices(appendices_in_period(
        options.get("appended_evidence_ids", dossier.appended_evidence_ids), context))
    warnings = context.warnings + appendix_warnings
    left_out = left_out_notes(context)
    award = str(dossier.award_cycle)
    org_name = organization.name if organization else ""
    html = render_template("pdf/dossier/document.html", dossier=dossier, parts=parts, omitted=omitted,
                           warnings=warnings, appendices=appendices, organization=organization, award=award,
                           preview=preview, draft=draft, page_css=pdf.page_css(org_name, award),
                           static_url=_preview_static_url if preview else pdf.static_url,
                           period=context.period, left_out=left_out)
    return Built(html=html, parts=parts, omitted=omitted, warnings=warnings, appendices=appendices,
                 period=context.period, left_out=left_out)


def section_spans(parts: list[Part], anchor_pages: dict[str, int], page_count: int) -> list[list]:
    """[[key, first page, pages], ...] in document order, measured on the laid-out document."""
    starts = sorted((anchor_pages[f"section-{p.section.key}"], p.section.key) for p in parts
                    if f"section-{p.section.key}" in anchor_pages)
    spans = []
    for index, (first, key) in enumerate(starts):
        end = starts[index + 1][0] if index + 1 < len(starts) else page_count + 1
        spans.append([key, first, max(end - first, 1 if first <= page_count else 0)])
    return spans


def merge_appendices(main_pdf: bytes, appendices: list[Appendix]) -> tuple[bytes, int]:
    """Append evidence PDFs after the dossier, each under its own bookmark (their own bookmarks kept)."""
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(main_pdf)))
    for appendix in appendices:
        writer.append(PdfReader(io.BytesIO(appendix.data)), outline_item=str(appendix.evidence))
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue(), len(writer.pages)


# --- versions ---------------------------------------------------------------------------------

STORAGE_AREA = "dossiers"


def pdf_name(version: DossierVersion) -> str:
    """The version's PDF in the files store (qms.storage, area "dossiers")."""
    return f"{version.stored_name}.pdf"


def html_name(version: DossierVersion) -> str:
    """The version's gzipped HTML (a final version is laid out again from it, without the watermark)."""
    return f"{version.stored_name}.html.gz"


def read_html(version: DossierVersion) -> str:
    return gzip.decompress(storage.read(STORAGE_AREA, html_name(version))).decode("utf-8")


def versions_of(dossier: Dossier) -> list[DossierVersion]:
    return list(db.session.scalars(select(DossierVersion).where(DossierVersion.dossier_id == dossier.id)
                                   .order_by(DossierVersion.number.desc())))


def final_version(versions: list[DossierVersion]) -> DossierVersion | None:
    return next((v for v in versions if v.is_final), None)


def expire_stale(versions: list[DossierVersion], now: dt.datetime | None = None) -> None:
    """A render whose process ended (a restart, a killed worker) would wait forever: mark it failed."""
    now = now or utcnow()
    stale = [v for v in versions if v.is_working and now - v.updated_at > STALE_AFTER]
    for version in stale:
        version.status = VersionStatus.FAILED
        version.error = "interrupted"
    if stale:
        db.session.commit()


def request_version(dossier: Dossier, actor, locale: str) -> DossierVersion:
    """A new version waiting to be rendered; the caller starts the job (qms.dossier.jobs)."""
    running = db.session.scalar(select(func.count()).select_from(DossierVersion).where(
        DossierVersion.dossier_id == dossier.id,
        DossierVersion.status.in_([VersionStatus.PENDING, VersionStatus.RUNNING])))
    if running:
        raise ServiceError(_("A version of this dossier is already being rendered; wait for it to finish."))
    number = (db.session.scalar(select(func.max(DossierVersion.number))
                                .where(DossierVersion.dossier_id == dossier.id)) or 0) + 1
    now = utcnow()
    version = DossierVersion(
        dossier_id=dossier.id, number=number, created_by_id=getattr(actor, "id", None), created_at=now,
        updated_at=now, status=VersionStatus.PENDING, progress=0, stage="waiting",
        options={"sections": list(dossier.sections), "appended_evidence_ids": list(dossier.appended_evidence_ids),
                 "locale": locale, "page_limit": dossier.page_limit},
        stored_name=secrets.token_hex(16))
    db.session.add(version)
    db.session.flush()
    audit.record_event(audit.CREATE, version, actor, changes={
        "number": [None, number], "options": [None, version.options]})
    db.session.commit()
    return version


def _progress(version: DossierVersion, percent: int, stage: str) -> None:
    version.progress, version.stage, version.updated_at = percent, stage, utcnow()
    db.session.commit()
    jobs.progress(percent, 100, stage)  # the jobs page shows it too


def render_version(version_id: int) -> None:
    """Render a waiting version (in the job's own thread, inside an application context)."""
    if not has_request_context():
        # Templates and their context processors expect a request; a job has none of its own.
        with current_app.test_request_context("/"):
            return render_version(version_id)
    version = db.session.get(DossierVersion, version_id)
    if version is None or version.status != VersionStatus.PENDING:
        return
    finalizing = bool(version.options.get("finalizing"))
    try:
        with force_locale(version.options.get("locale") or current_app.config["BABEL_DEFAULT_LOCALE"]):
            version.status = VersionStatus.RUNNING
            if finalizing:
                _progress(version, 20, "layout")
                html = read_html(version)
                rendered = pdf.render_document(html, extra_css=WATERMARK_HIDDEN)
                appendices, _warnings = check_appendices(version.options.get(
                    "appended", version.options.get("appended_evidence_ids", [])))  # those the draft appended
            else:
                _progress(version, 5, "gathering")
                built = build(version.dossier, options=version.options)
                version.warnings = built.warnings
                version.options = {**version.options, "appended": [a.evidence.id for a in built.appendices],
                                   "period": [day.isoformat() for day in built.period] if built.period else None,
                                   "left_out": built.left_out}
                storage.write_named(STORAGE_AREA, html_name(version), gzip.compress(built.html.encode("utf-8")))
                _progress(version, 20, "layout")
                rendered = pdf.render_document(
                    built.html, on_layout_done=lambda pages: _progress(version, 70, "writing"))
                version.section_pages = section_spans(built.parts, rendered.anchor_pages, rendered.page_count)
                appendices = built.appendices
            data, total = rendered.pdf, rendered.page_count
            if appendices:
                _progress(version, 90, "appending")
                data, total = merge_appendices(data, appendices)
            # The file is written (atomically) before the commit that marks the version done: a version is
            # never DONE without its PDF; a failed commit leaves it FAILED (see below).
            storage.write_named(STORAGE_AREA, pdf_name(version), data)
        version.page_count, version.total_pages = rendered.page_count, total
        version.sha256, version.size = hashlib.sha256(data).hexdigest(), len(data)
        version.status, version.progress, version.stage, version.updated_at = VersionStatus.DONE, 100, "done", utcnow()
        version.options = {k: v for k, v in version.options.items() if k != "finalizing"}
        db.session.commit()
    except Exception as error:
        db.session.rollback()
        current_app.logger.exception("dossier version %s failed", version_id)
        version = db.session.get(DossierVersion, version_id)
        version.status, version.error, version.updated_at = VersionStatus.FAILED, type(error).__name__, utcnow()
        db.session.commit()


def finalize(version: DossierVersion, actor) -> DossierVersion:
    """Mark a finished version final: it is rendered once more without the watermark, then never changes."""
    if version.is_final:
        raise ServiceError(_("This version is already final."))
    if version.status != VersionStatus.DONE:
        raise ServiceError(_("Only a finished version can be marked final."))
    other = db.session.scalar(select(DossierVersion.number).where(DossierVersion.dossier_id == version.dossier_id,
                                                                  DossierVersion.is_final.is_(True)))
    if other is not None:
        raise ServiceError(_("Version %(number)s of this dossier is already final.", number=other))
    old_sha = version.sha256
    version.is_final, version.finalized_by_id, version.finalized_at = True, getattr(actor, "id", None), utcnow()
    version.status, version.progress, version.stage, version.updated_at = (VersionStatus.PENDING, 0, "waiting",
                                                                           utcnow())
    version.options = {**version.options, "finalizing": True}
    audit.record_event(audit.UPDATE, version, actor, changes={"is_final": [False, True], "sha256": [old_sha, None]})
    db.session.commit()
    return version


def render_again(version: DossierVersion, actor) -> DossierVersion:
    """A failed render tried once more (the jobs page's "run again"): a final version is laid out again in
    place; a draft gets a new version with the same language."""
    if version.status != VersionStatus.FAILED:
        raise ServiceError(_("Only a failed version can be rendered again."))
    if not version.is_final:
        return request_version(version.dossier, actor, version.options.get("locale") or "zh_Hant_TW")
    version.status, version.progress, version.stage, version.error, version.updated_at = (
        VersionStatus.PENDING, 0, "waiting", "", utcnow())
    audit.record_event(audit.UPDATE, version, actor, changes={"status": ["failed", "pending"]})
    db.session.commit()
    return version


@dataclass
class LimitReport:
    limit: int
    pages: int
    over_by: int
    longest: list[tuple[Any, int]]  # (section label, pages), longest first


def limit_report(version: DossierVersion | None) -> LimitReport | None:
    """How far a finished version runs over its page limit, and its longest sections; None within the limit."""
    if version is None or version.page_count is None:
        return None
    limit = version.options.get("page_limit")
    if not limit or version.page_count <= limit:
        return None
    longest = sorted(((registry.get(key).label if registry.get(key) else key, pages)
                      for key, _first, pages in version.section_pages or []), key=lambda pair: -pair[1])
    return LimitReport(limit=limit, pages=version.page_count, over_by=version.page_count - limit,
                       longest=longest[:5])


def read_pdf(version: DossierVersion) -> bytes:
    if version.status != VersionStatus.DONE:
        raise ServiceError(_("This version has no finished PDF."))
    return storage.read(STORAGE_AREA, pdf_name(version))
