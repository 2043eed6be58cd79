"""A 30-slide briefing deck: the whole "generate" request against WeasyPrint alone on the same HTML.

Run: .venv/bin/python benchmarks/bench_briefing.py [--repeat 3] [--slides 30]
The render runs as the "briefing.render" job; here the jobs run immediately (QMS_JOBS_IMMEDIATE), inside the
"generate" request, so its time is the whole render: it gathers every live slide, lays out the 16:9 slides and the
A4 notes handout and stores both. The baseline lays out the same two HTML documents (saved from the deck as it
stands) with WeasyPrint and nothing else. Both are medians measured in the same process (the machine is shared):
their ratio is what counts.
"""
from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.common import demo_app, signed_in  # noqa: E402
from qms import jobs, pdf  # noqa: E402
from qms.briefing import services  # noqa: E402
from qms.briefing.models import BriefingDeck, DeckVersion  # noqa: E402
from qms.extensions import db  # noqa: E402


def pad(slides: int) -> int:
    """Repeat the demo deck's slides (live and free alike) until it has `slides` of them."""
    deck = db.session.scalars(db.select(BriefingDeck)).one()
    existing = services.slides_of(deck)
    for n in range(slides - len(existing)):
        model = existing[n % len(existing)]
        services.add_slide(deck, model.kind, {"title": model.title, "subtitle": model.subtitle, "body": model.body,
                                              "planned_seconds": model.planned_seconds, "notes": model.notes}, None)
    return deck.id


def saved_html(folder: str, deck_id: int) -> list[Path]:
    deck = db.session.get(BriefingDeck, deck_id)
    rendered = services.render_slides(deck)
    paths = [Path(folder) / "deck.html", Path(folder) / "notes.html"]
    paths[0].write_text(services.deck_html(rendered), encoding="utf-8")
    paths[1].write_text(services.handout_html(rendered), encoding="utf-8")
    return paths


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--slides", type=int, default=30)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        app, _engine = demo_app(folder)
        app.config["QMS_FILES_DIR"] = folder
        app.config["QMS_JOBS_IMMEDIATE"] = True  # the request itself renders: its time is the whole job
        app.extensions.pop(jobs.EXTENSION_KEY, None)  # a queue the demo data may have built
        with app.app_context():
            deck_id = pad(args.slides)
        client = signed_in(app, "quality")
        request_times, weasy_times, gather_times = [], [], []
        for _ in range(args.repeat):
            start = time.perf_counter()
            response = client.post(f"/briefing/decks/{deck_id}/generate")
            request_times.append(time.perf_counter() - start)
            assert response.status_code == 302, response.status_code
            with app.test_request_context("/"):
                version = db.session.scalars(db.select(DeckVersion).order_by(DeckVersion.id.desc())).first()
                assert version.status.value == "done", version.error
                pages, notes_pages, size = version.slide_pages, version.notes_pages, version.size
                paths = saved_html(folder, deck_id)
                from weasyprint import HTML

                start = time.perf_counter()
                for path in paths:  # the same options QMS asks for (tagged PDF/UA-1): WeasyPrint's work either way
                    HTML(string=path.read_text(encoding="utf-8"), url_fetcher=pdf.url_fetcher()).write_pdf(
                        pdf_variant=pdf.PDF_VARIANT)
                weasy_times.append(time.perf_counter() - start)
                deck = db.session.get(BriefingDeck, deck_id)
                start = time.perf_counter()
                services.render_slides(deck)
                gather_times.append(time.perf_counter() - start)
        request_s, weasy_s = statistics.median(request_times), statistics.median(weasy_times)
        print(f"briefing deck: {pages} slides ({size / 1024:,.0f} KiB) + notes handout of {notes_pages} pages")
        print(f"  whole request (gather + layout + write + store), median of {args.repeat}: {request_s:6.2f} s")
        print(f"  WeasyPrint alone, same two HTML documents (PDF/UA-1), median of {args.repeat}: {weasy_s:6.2f} s")
        print(f"  of which gathering the live slides' figures, median:   {statistics.median(gather_times):6.2f} s")
        print(f"  ratio request / WeasyPrint: {request_s / weasy_s:.2f}")


if __name__ == "__main__":
    main()
