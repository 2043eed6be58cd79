"""Demo publications: the titles, GPN, ISBN and holding libraries of the Luzhu presentation ("專業聚焦 典藏傳承").

The years, abstracts, keywords and file texts are short texts written for the demo from the presentation's
summary of each publication; they are not quotations of the real books.
"""
from __future__ import annotations

from sqlalchemy import select

from qms.archive import services
from qms.archive.models import Publication
from qms.extensions import db

PUBLISHER = "桃園市蘆竹區戶政事務所"

NAME_STUDY_TEXT = """姓名學迷失輔正之研究（研究摘要，示範用）

本研究整理本所受理之更改姓名案件，從 1,474 位改名者的資料得知：年齡與改名次數成負相關，學歷較低者改名較多，
女性較男性重視姓名與命運的關係。許多民眾因姓名學筆畫之說反覆申請更改姓名，須重新換發國民身分證、
戶口名簿，並辦理印鑑變更與各機關資料更新，耗費時間與費用。

本研究另分析 97 年至 102 年（2008–2013）本所辦理之出生登記 9,118 位新生兒，約 97% 從父姓；
從母姓比例由 1.64% 升至 4.50%。戶籍登記人員於受理時提供正確資訊，說明姓名條例與更改姓名之次數限制，
協助民眾理性看待姓名學，減少不必要的改名。

Summary (demo text): name changes driven by name-numerology beliefs cost citizens time and money; the
study of 1,474 applicants and 9,118 newborns informs counter staff who advise on the Name Act.
"""

IMMIGRANT_HTML = """<!doctype html>
<html lang="zh-Hant"><head><meta charset="utf-8"><title>幸福新移民寶典</title></head>
<body>
<h1>幸福新移民寶典（示範內容）</h1>
<p>給新住民與外籍配偶的生活與戶政手冊：結婚登記、居留、歸化我國國籍、初設戶籍登記與請領國民身分證的流程，
一次說明清楚。</p>
<h2>歸化與初設戶籍</h2>
<p>取得歸化許可後，持相關文件至戶政事務所辦理初設戶籍登記，並申請國民身分證與戶口名簿。</p>
<h2>English</h2>
<p>A handbook for new immigrants: marriage registration, residence, naturalization, first household
registration and the national ID card, step by step.</p>
</body></html>
"""

PUBLICATIONS = [
    {"title": "姓名學迷失輔正之研究", "kind": "research_report", "authors": "蘆竹區戶政事務所研究團隊",
     "publisher": PUBLISHER, "year": 2014, "language": "zh-Hant", "gpn": "3810000238", "isbn": "978-986-02-7092-1",
     "abstract": "從 1,474 位改名者的資料分析年齡、學歷、性別與改名次數的關係，並以 9,118 位新生兒（2008–2013）"
                 "的從姓統計，協助民眾理性看待姓名學。華人世界首發之姓名學迷失輔正研究。",
     "keywords": ["姓名學", "更改姓名", "從母姓"], "subjects": ["戶籍登記", "研究報告"], "public": True,
     "holdings": [("中央研究院人文社會科學聯合圖書館", ""), ("國立交通大學圖書館", "")],
     "file": ("name-study-summary.txt", NAME_STUDY_TEXT.encode("utf-8"), True)},
    {"title": "十全十美機制設計專輯", "kind": "book", "authors": "蘆竹區戶政事務所", "publisher": PUBLISHER,
     "year": 2015, "language": "zh-Hant",
     "abstract": "本所「十全十美」服務機制的設計過程與成果：從自我檢視清單到標竿學習，記錄服務品質提升的每一步。",
     "keywords": ["服務品質", "標竿學習"], "subjects": ["品質獎"], "public": False},
    {"title": "幸福新移民寶典", "kind": "handbook", "authors": "蘆竹區戶政事務所", "publisher": PUBLISHER,
     "year": 2015, "language": "zh-Hant,en",
     "abstract": "給新住民與外籍配偶的生活與戶政手冊：結婚登記、歸化、初設戶籍與國民身分證。",
     "keywords": ["新住民", "歸化", "外籍配偶"], "subjects": ["便民服務"], "public": True,
     "file": ("new-immigrants.html", IMMIGRANT_HTML.encode("utf-8"), True)},
    {"title": "街道門牌戶籍登錄須知流程實用手冊", "kind": "handbook", "authors": "蘆竹區戶政事務所",
     "publisher": PUBLISHER, "year": 2015, "language": "zh-Hant",
     "abstract": "門牌編釘、門牌整編與門牌證明的申請流程，以及因門牌改編而辦理的戶籍登記須知。",
     "keywords": ["門牌", "門牌整編"], "subjects": ["戶籍登記"], "public": True},
    {"title": "戶籍登錄須知流程及法規要覽", "kind": "handbook", "authors": "蘆竹區戶政事務所",
     "publisher": PUBLISHER, "year": 2015, "language": "zh-Hant",
     "abstract": "各項戶籍登記、戶籍謄本與印鑑證明的申請須知、流程與相關法規，供同仁與民眾查閱。",
     "keywords": ["戶籍謄本", "印鑑證明", "法規"], "subjects": ["戶籍登記"], "public": False},
    {"title": "蘆竹在地采風典藏", "kind": "collection_item", "authors": "蘆竹區戶政事務所", "publisher": PUBLISHER,
     "year": 2015, "language": "zh-Hant",
     "abstract": "戶政博物館與戶政圖書館收藏的在地特色（采風）資料：老戶籍簿冊、舊式門牌與地方文史照片。",
     "keywords": ["戶政博物館", "在地特色"], "subjects": ["典藏傳承"], "public": True},
]


def seed(actor) -> int:
    """Create the demo publications that are not there yet; returns how many were created."""
    created = 0
    for entry in PUBLICATIONS:
        if db.session.scalar(select(Publication.id).where(Publication.title == entry["title"])):
            continue
        values = {key: value for key, value in entry.items() if key not in ("holdings", "file")}
        publication = services.save_publication(None, values, actor, holdings=entry.get("holdings", []))
        if "file" in entry:
            name, data, public = entry["file"]
            services.add_file(publication, data, name, public, actor)
        created += 1
    if created:
        services.set_catalogue(True, None)
    return created
