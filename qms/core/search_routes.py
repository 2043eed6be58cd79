"""Search across every module (/search), the shared search-page logic, and the index status page."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from flask import Blueprint, abort, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from qms import jobs, search
from qms.core import search_jobs
from qms.forms import ConfirmForm
from qms.spine import access, records
from qms.spine.access import Role

bp = Blueprint("search", __name__, url_prefix="/search")
PER_PAGE = 10


@dataclass
class Params:
    q: str = ""
    page: int = 1
    sort: str = "relevance"
    filters: dict[str, Any] = field(default_factory=dict)

    def args(self, **changes) -> dict:
        """Query-string arguments for a link to this search with some values changed (None removes one)."""
        values = {"q": self.q or None, "sort": self.sort if self.sort != "relevance" else None, **self.filters}
        values.update(changes)
        return {key: value for key, value in values.items() if value not in (None, "", [])}


def params_from(args) -> Params:
    q = (args.get("q") or "").strip()[:500]
    page = args.get("page", type=int) or 1
    sort = args.get("sort") if args.get("sort") in ("relevance", "date") else "relevance"
    filters: dict[str, Any] = {}
    for name in ("type", "kind", "keyword"):
        value = (args.get(name) or "").strip()[:100]
        if value:
            filters[name] = value
    year = args.get("year", type=int)
    if year:
        filters["year"] = year
    return Params(q=q, page=max(1, min(page, 1000)), sort=sort, filters=filters)


def facet_label(name: str, value) -> str:
    if name == "type":
        record_type = records.get(str(value))
        return str(record_type.label) if record_type else str(value)
    if name == "kind":
        for record_type in records.searchable_types():
            labels = record_type.value_labels.get("kind")
            if labels and value in labels:
                return str(labels[value])
    return str(value)


def run(params: Params, access_terms: list[str], *, types: list[str] | None = None,
        facets: tuple[str, ...] = search.FACETS) -> search.Results:
    filters = dict(params.filters)
    if types is not None:
        wanted = filters.get("type")
        filters["type"] = [wanted] if wanted in types else list(types)
    results = search.search(params.q, access=access_terms, filters=filters, page=params.page, per_page=PER_PAGE,
                            sort=params.sort if params.q else "date", facets=facets)
    if results.unavailable is None:
        results.waiting = search.waiting()
    return results


def readable_hits(results: search.Results, user) -> None:
    """Belt and braces: drop any hit whose type the user may not read (the index's access terms already do)."""
    results.hits = [hit for hit in results.hits if hit.record_type is not None and hit.record_type.readable(user)]


def hit_url(hit: search.Hit) -> str | None:
    return hit.record_type.url_for(hit.record_id) if hit.record_type else None


@bp.route("/")
@access.signed_in
def index():
    params = params_from(request.args)
    results = run(params, search.user_access_terms(current_user)) if params.q else None
    if results is not None:
        readable_hits(results, current_user)
    return render_template("search/index.html", params=params, results=results, hit_url=hit_url,
                           facet_label=facet_label, endpoint="search.index",
                           status=search.status() if results is not None and results.unavailable else None)


# --- the index's health, and a rebuild with progress ----------------------------------------------

def rebuild_state(job) -> dict:
    """What the status page and its JSON say about the latest rebuild, read from its job row."""
    from qms.jobs import JobStatus

    if job is None:
        return {"running": False, "paused": False, "done": 0, "total": 0, "error": None, "written": None,
                "job_id": None}
    return {"running": job.active, "paused": job.status == JobStatus.WAITING, "done": job.progress_done,
            "total": job.progress_total or 0, "error": job.error if job.status == JobStatus.FAILED else None,
            "written": job.progress_done if job.status == JobStatus.DONE else None, "job_id": job.id}


@bp.route("/status", methods=["GET", "POST"])
@access.roles(Role.QUALITY)
def status():
    form = ConfirmForm()
    if request.method == "POST":
        if not form.validate_on_submit():
            abort(400)
        job = search_jobs.start_rebuild(current_user)
        if job.status == jobs.JobStatus.WAITING:
            flash(_("Background work is paused: the rebuild starts when the job queue is back."), "warning")
        else:
            flash(_("The search index is being rebuilt; search keeps working meanwhile."), "info")
        return redirect(url_for("search.status"))
    return render_template("search/status.html", status=search.status(),
                           rebuild=rebuild_state(jobs.latest("search.rebuild")), form=form)


@bp.route("/status.json")
@access.roles(Role.QUALITY)
def status_json():
    current = search.status()
    return jsonify(state=current.state, documents=current.documents, pending=current.pending,
                   rebuild=rebuild_state(jobs.latest("search.rebuild")))
