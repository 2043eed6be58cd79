"""The demo dossier padded to about 100 pages: the whole request against WeasyPrint alone on the saved HTML.

Run: .venv/bin/python benchmarks/bench_dossier.py [--repeat 3] [--initiatives 135]
Both timings are medians measured in the same process (the machine is shared), so their ratio is what counts:
the goal is a request at most 1.2 × WeasyPrint alone, and at most 15 s.
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
from qms import pdf  # noqa: E402
from qms.checklist.models import AssessmentItem  # noqa: E402
from qms.core.services import current_cycle  # noqa: E402
from qms.dossier import services  # noqa: E402
from qms.dossier.models import Dossier, DossierVersion  # noqa: E402
from qms.extensions import db  # noqa: E402
from qms.initiatives.models import Initiative, InitiativeStatus, ProcessImprovement, TimeUnit  # noqa: E402

PARAGRAPH = ("本所推動「一次臨櫃，萬事OK」服務，整合戶籍、地政、稅務與監理等跨機關業務，民眾於單一櫃台即可完成"
             "多項申辦。透過品管圈持續檢討作業流程，簡化核章層級並導入電子化作業，縮短等候時間。")


def pad(initiatives: int) -> None:
    """Long narratives on every checklist item and extra initiatives, as a well-documented office would have."""
    for item in db.session.scalars(db.select(AssessmentItem)):
        item.narrative = "\n\n".join([PARAGRAPH] * 4) + "\n\n- 成果一：等候時間縮短\n- 成果二：民眾滿意度提升"
        item.strengths = PARAGRAPH
        item.opportunities = PARAGRAPH[:60]
    cycle = current_cycle()
    for n in range(initiatives):
        initiative = Initiative(award_cycle_id=cycle.id, title_zh=f"基準測試創新服務 {n:03d}",
                                status=list(InitiativeStatus)[n % 4], summary=PARAGRAPH, problem=PARAGRAPH,
                                what_changed=PARAGRAPH)
        db.session.add(initiative)
        for k in range(6):
            db.session.add(ProcessImprovement(initiative=initiative, service=f"簡化服務 {n}-{k}", before_value=50,
                                              before_unit=TimeUnit.MINUTES, after_value=5 + k,
                                              after_unit=TimeUnit.MINUTES, yearly_cases=100 * (k + 1), year=2015))
    db.session.commit()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--initiatives", type=int, default=135)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        app, _engine = demo_app(folder)
        app.config["QMS_JOBS_IMMEDIATE"] = True  # the request itself renders: its time is the whole job
        app.instance_path = folder
        with app.app_context():
            pad(args.initiatives)
            dossier_id = db.session.scalar(db.select(Dossier.id))
        client = signed_in(app, "leader")
        request_times, weasy_times = [], []
        for _ in range(args.repeat):
            start = time.perf_counter()
            response = client.post(f"/dossiers/{dossier_id}/generate")
            request_times.append(time.perf_counter() - start)
            assert response.status_code == 302
            with app.app_context():
                version = db.session.scalars(db.select(DossierVersion).order_by(DossierVersion.id.desc())).first()
                assert version.status.value == "done", version.error
                html = services.read_html(version)
                start = time.perf_counter()
                from weasyprint import HTML

                HTML(string=html, url_fetcher=pdf.url_fetcher()).write_pdf()
                weasy_times.append(time.perf_counter() - start)
                pages, size = version.page_count, version.size
        request_s, weasy_s = statistics.median(request_times), statistics.median(weasy_times)
        print(f"dossier: {pages} pages, PDF {size / 1024:,.0f} KiB")
        print(f"  whole request (gather + layout + write + store), median of {args.repeat}: {request_s:6.2f} s")
        print(f"  WeasyPrint alone on the saved HTML, median of {args.repeat}:             {weasy_s:6.2f} s")
        print(f"  ratio request / WeasyPrint: {request_s / weasy_s:.2f} (goal ≤ 1.2); request ≤ 15 s: "
              f"{'yes' if request_s <= 15 else 'NO'}")


if __name__ == "__main__":
    main()
