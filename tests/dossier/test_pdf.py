"""The demo dossier as a PDF, rendered once for the module: text, bookmarks, contents, fonts, watermark, limit."""
from __future__ import annotations

import io
import re
import subprocess

import pytest
from pypdf import PdfReader
from sqlalchemy import select

from qms import create_app, storage
from qms.dossier import services
from qms.dossier.models import Dossier, DossierVersion
from qms.extensions import db
from qms.spine import sections as registry
from qms.spine.access import Role
from tests.conftest import QMSClient, make_config, wipe_rows
from tests.factories import TEST_PASSWORD, UserFactory

HOSTILE_NARRATIVE = ('真實內容 <img src="file:///etc/passwd"> <script>alert(1)</script> '
                     '<img src="https://example.org/tracker.png"> ![x](file:///etc/shadow)')


def a_pdf(title: str, pages: int = 2) -> bytes:
    from qms import pdf

    body = "".join(f"<h1>{title} {n}</h1><p style='break-after: page'>附件內容</p>" for n in range(pages))
    return pdf.render(f"<html lang='zh-Hant-TW' style='font-family: \"Noto Sans CJK TC\"'><body>{body}</body></html>")


@pytest.fixture(scope="module")
def built(migrated_database):
    """The demo dossier with a hostile narrative and two appended files (one unreadable): draft, then final."""
    from qms import demo
    from qms.checklist import services as checklist
    from qms.evidence import services as evidence

    app = create_app(make_config(migrated_database))
    app.test_client_class = QMSClient
    with app.app_context():
        demo.seed_demo()
        leader = UserFactory(role=Role.LEADER, username="dossier-leader")
        quality = UserFactory(role=Role.QUALITY, username="dossier-quality")
        dossier = db.session.scalars(select(Dossier)).one()
        item = checklist.assessments_of(dossier.award_cycle)[0].items[0]
        checklist.update_item(item, {"narrative": HOSTILE_NARRATIVE}, quality)
        good = evidence.add_file(item, a_pdf("附件甲"), "annex.pdf", "附件甲：訓練紀錄", None, leader)
        bad = evidence.add_file(item, b"%PDF-1.4\nnot really a pdf\n" * 20, "broken.pdf", "損壞的檔案", None, leader)
        from qms.initiatives.models import Initiative
        initiative = db.session.scalars(select(Initiative).order_by(Initiative.id)).first()
        evidence.add_link(initiative, "https://example.org/line-stats", "附件乙：預檢統計表", None, leader)
        services.update_dossier(dossier, {"appended_evidence_ids": [good.id, bad.id], "page_limit": 5}, leader)
        version = services.request_version(dossier, leader, "zh_Hant_TW")
        services.render_version(version.id)
        db.session.refresh(version)
        assert version.status.value == "done", version.error
        draft_pdf = storage.read("dossiers", services.pdf_name(version))
        draft_html = storage.read("dossiers", services.html_name(version))
        db.session.refresh(version)
        draft = {"page_count": version.page_count, "total_pages": version.total_pages,
                 "sections": version.section_pages, "warnings": version.warnings, "sha256": version.sha256}
        services.finalize(version, leader)
        services.render_version(version.id)
        final_pdf = storage.read("dossiers", services.pdf_name(version))
        client = app.test_client()
        client.post_form("/login", {"username": "dossier-leader", "password": TEST_PASSWORD})
        detail = client.get(f"/dossiers/{dossier.id}").get_data(as_text=True)
        preview = client.get(f"/dossiers/{dossier.id}/preview").get_data(as_text=True)
        db.session.remove()
    yield {"draft": draft_pdf, "final": final_pdf, "draft_info": draft, "detail": detail, "preview": preview,
           "html": draft_html, "app": app}
    wipe_rows(app)


def reader(data: bytes) -> PdfReader:
    return PdfReader(io.BytesIO(data))


def outline(pdf: PdfReader) -> list[tuple[int, str, int]]:
    """(level, title, 1-based page) of every bookmark."""
    found = []

    def walk(items, level):
        for item in items:
            if isinstance(item, list):
                walk(item, level + 1)
            else:
                found.append((level, item.title, pdf.get_destination_page_number(item) + 1))

    walk(pdf.outline, 1)
    return found


def labels_zh(built) -> dict[str, str]:
    from flask_babel import force_locale

    with built["app"].test_request_context(), force_locale("zh_Hant_TW"):
        return {s.key: str(s.label) for s in registry.all_sections()}


def test_chinese_text_is_extractable(built):
    pdf = reader(built["draft"])
    cover = pdf.pages[0].extract_text()
    assert "桃園市蘆竹區戶政事務所" in cover and "政府服務品質獎參獎資料" in cover
    assert "節省民眾時間" in "".join(page.extract_text() for page in pdf.pages)


def test_every_section_has_a_bookmark_and_the_appendices_theirs(built):
    titles = [title for _level, title, _page in outline(reader(built["draft"]))]
    labels = labels_zh(built)
    for key, _first, _pages in built["draft_info"]["sections"]:
        if key != "cover":
            assert labels[key] in titles, key
    assert "附件甲：訓練紀錄" in titles  # the appended PDF under its own bookmark
    assert "附件甲 0" in titles  # and its own headings kept inside it


def test_contents_page_numbers_are_the_pages_of_the_headings(built):
    pdf = reader(built["draft"])
    top = {title: page for level, title, page in outline(pdf) if level == 1}
    spans = {key: first for key, first, _pages in built["draft_info"]["sections"]}
    contents = pdf.pages[spans["contents"] - 1].extract_text()
    labels = labels_zh(built)
    checked = 0
    for key, first in spans.items():
        if key in ("cover", "contents"):
            continue
        match = re.search(re.escape(labels[key]) + r"[\s.…]*(\d+)", contents)
        assert match, (labels[key], contents)
        assert int(match[1]) == first == top[labels[key]], key
        checked += 1
    assert checked >= 7


def test_evidence_index_gives_the_page_of_each_citation(built):
    """The initiative's own evidence is cited in its section; the index prints the page the layout put it on."""
    pdf = reader(built["draft"])
    spans = {key: (first, count) for key, first, count in built["draft_info"]["sections"]}
    index_first, index_count = spans["evidence_index"]
    index_text = "".join(pdf.pages[n].extract_text() for n in range(index_first - 1, index_first - 1 + index_count))
    assert "附件乙：預檢統計表" in index_text, index_text
    cited_on = [n + 1 for n in range(index_first - 1) if "附件乙：預檢統計表" in pdf.pages[n].extract_text()]
    initiatives_first, initiatives_count = spans["initiatives"]
    assert cited_on and initiatives_first <= cited_on[0] < initiatives_first + initiatives_count
    page_numbers = [int(n) for n in re.findall(r"\d+", index_text.split("附件乙：預檢統計表", 1)[1].split("\n")[0])]
    assert page_numbers and page_numbers[-1] == cited_on[0], (cited_on, index_text)


def test_fonts_are_embedded_noto_cjk_tc_subsets(built, tmp_path):
    path = tmp_path / "draft.pdf"
    path.write_bytes(built["draft"])
    output = subprocess.run(["pdffonts", str(path)], capture_output=True, text=True, check=True).stdout
    rows = [line.split() for line in output.splitlines()[2:] if line.strip()]
    names = [row[0] for row in rows]
    assert any("Noto-Sans-CJK-TC" in name for name in names) and any("Noto-Serif-CJK-TC" in name for name in names)
    dossier_fonts = [row for row in rows if "CJK" in row[0] or "DejaVu" in row[0]]
    assert all("-TC" in row[0] for row in dossier_fonts), names  # no JP fallback, no DejaVu in the margins
    assert all(row[-5] == "yes" for row in rows), output  # emb column


def test_watermark_on_the_draft_only(built):
    draft, final = reader(built["draft"]), reader(built["final"])
    page_count = built["draft_info"]["page_count"]
    assert all("草稿" in draft.pages[n].extract_text() for n in range(page_count))
    assert not any("草稿" in page.extract_text() for page in final.pages)
    assert len(final.pages) == len(draft.pages)


def test_metadata_title_author_and_language(built):
    pdf = reader(built["final"])
    assert pdf.metadata.title.startswith("政府服務品質獎參獎資料")
    assert pdf.metadata.author == "桃園市蘆竹區戶政事務所"
    assert pdf.trailer["/Root"]["/Lang"] == "zh-Hant-TW"


def test_page_limit_warning_names_the_longest_sections(built):
    info = built["draft_info"]
    assert info["page_count"] > 5
    assert 'id="page-limit-warning"' in built["detail"]
    longest = max(info["sections"], key=lambda span: span[2])
    assert labels_zh(built)[longest[0]] in built["detail"]
    assert f"超出 {info['page_count'] - 5} 頁" in built["detail"] or str(info["page_count"] - 5) in built["detail"]


def test_unreadable_appendix_is_skipped_with_a_warning(built):
    info = built["draft_info"]
    assert info["total_pages"] == info["page_count"] + 2  # the good annex only
    assert any("損壞的檔案" in warning for warning in info["warnings"])
    assert "損壞的檔案" in built["preview"]


def test_hostile_narrative_is_sanitized_before_the_pdf(built):
    import gzip

    html = gzip.decompress(built["html"]).decode()
    assert "真實內容" in html
    assert "etc/passwd" not in html and "etc/shadow" not in html and "<script" not in html
    assert "example.org/tracker" not in html


def test_section_spans_cover_the_document(built):
    spans = built["draft_info"]["sections"]
    assert spans[0][:2] == ["cover", 1]
    assert sum(pages for _key, _first, pages in spans) == built["draft_info"]["page_count"]


def test_final_version_is_locked(built):
    app = built["app"]
    with app.app_context():
        version = db.session.scalars(select(DossierVersion)).one()
        assert version.is_final and version.status.value == "done"
        with pytest.raises(services.ServiceError):
            services.finalize(version, None)
        db.session.remove()


def test_the_pdf_is_tagged_for_screen_readers(built):
    """PDF/UA-1: a structure tree a screen reader follows, marked content, the title shown and the language kept,
    in the draft and the final version alike (appended files merged after it)."""
    for data in (built["draft"], built["final"]):
        pdf = reader(data)
        root = pdf.trailer["/Root"]
        assert root["/MarkInfo"]["/Marked"].value is True  # a pypdf BooleanObject
        assert "/StructTreeRoot" in root and root["/StructTreeRoot"].get_object()["/K"]
        assert root["/ViewerPreferences"]["/DisplayDocTitle"].value is True
        assert root["/Lang"] == "zh-Hant-TW"
        assert b'pdfuaid:part="1"' in root["/Metadata"].get_object().get_data()
