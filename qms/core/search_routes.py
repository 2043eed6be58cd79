"""Search across every module (/search), the shared search-page logic, and the index status page."""
from __future__ import annotations

import functools
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from flask import Blueprint, abort, flash, g, jsonify, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user
from markupsafe import Markup

from qms import jobs, search
from qms.core import search_jobs
from qms.forms import ConfirmForm
from qms.i18n import user_text
from qms.spine import access, records
from qms.spine.access import Role

bp = Blueprint("search", __name__, url_prefix="/search")
PER_PAGE = 10
QUERY_SAFE = "!$'()*,/:;?@"  # what werkzeug's url_for leaves unquoted in a query string


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

    def href(self, base: str, **changes) -> str:
        """A link to this search with some values changed, on the page at `base` (url_for of the search page,
        made once per page rather than once per facet value and page number)."""
        args = self.args(**changes)
        return f"{base}?{urlencode(list(args.items()), safe=QUERY_SAFE)}" if args else base


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
    locale = g.get("facet_locale")
    if locale is None:
        locale = g.facet_locale = str(get_locale())
    return _facet_label(name, value, locale)


@functools.lru_cache(maxsize=2048)
def _facet_label(name: str, value, _locale: str) -> str:
    """A facet value's label in a language (the record types and their value labels are fixed at start)."""
    if name == "type":
        record_type = records.get(str(value))
        return str(record_type.label) if record_type else str(value)
    if name == "kind":
        for record_type in records.searchable_types():
            labels = record_type.value_labels.get("kind")
            if labels and value in labels:
                return str(labels[value])
    return str(value)


@dataclass
class FacetChoice:
    """One value of a facet as the results page offers it."""
    label: Markup  # in a <span lang> when the value is in another language than the page
    count: int
    href: str  # the search narrowed to this value, or, when it is the chosen one, without it
    chosen: bool
    year: int | None = None  # a year facet's value, for the ROC year beside it


@bp.app_template_global()
def facet_choices(results: search.Results, params: Params, here: str, names) -> list[tuple[str, list]]:
    """(facet name, its first 12 values as FacetChoice) for each facet of `names` with values, built here
    rather than in the template: a page offers up to 48 links, each a label, a count and a query string."""
    groups = []
    for name in names:
        values = results.facets.get(name)
        if not values:
            continue
        current = params.filters.get(name)
        choices = []
        for value, count in values[:12]:
            chosen = current is not None and str(current) == str(value)
            choices.append(FacetChoice(
                label=user_text(facet_label(name, value)), count=count,
                href=params.href(here, **{name: None if chosen else value, "page": None}), chosen=chosen,
                year=int(value) if name == "year" else None))
        groups.append((name, choices))
    return groups


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
