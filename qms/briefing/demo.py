"""The demo briefing: the Luzhu office's site-visit deck in the order of its 2015 presentation, from the demo data,
with speaker notes and planned times, and a few likely reviewer questions tied to checklist items."""
from __future__ import annotations

import re

from qms.briefing import services

TITLE = "蘆竹區戶政事務所 實地評審簡報"
# (kind, title, subtitle, body, planned seconds, speaker notes): the source deck's structure.
SLIDES = [
    ("title", TITLE, "政府服務品質獎・第一線服務機關", "", 30,
     "各位評審委員好。我是蘆竹戶政主任，簡報約 19 分鐘，之後請委員指教。"),
    ("profile", "", "", "", 120,
     "以服務理念「尊重·專業·效率」開場。強調 103 年區域調整：逾 4 萬戶門牌整編、6 萬 8 千餘張身分證換發，"
     "每人服務人口數居桃園市之冠。"),
    ("readiness", "參獎準備度", "", "", 90,
     "說明自我檢視清單與評獎構面的準備度；坦白指出仍在補強的項目與期限。"),
    ("process_improvements", "流程簡化：簡化前與簡化後", "", "", 180,
     "逐項點出簡化前後的時間：英文謄本 6 天改為隨到隨辦、改名查詢 50 分鐘縮為 5 分鐘。"
     "節省時間依案件量逐項計算，公式見附件。"),
    ("spark_cores", "SPARK 創新服務三大核心主軸", "", "", 180,
     "三大主軸：一次臨櫃萬事 OK、不出門能辦大小事、主動關懷服務到家。"
     "強調兩項全國首創：主動通知外籍配偶申請歸化、LINE 預審換證。"),
    ("peers", "標竿學習：人力與服務人口", "", "", 120,
     "以每人服務人口數比較五個戶政事務所，本所排名第一；說明向標竿機關學到的作法。"),
    ("survey", "顧客滿意度調查", "", "", 120,
     "每逢號碼尾數為 0 抽樣，加上線上填答；說明有效樣本、抽樣誤差與信度，以及雷達圖的構面趨勢。"
     "每一件不滿意均追蹤至結案。"),
    ("drills", "秘密客情境演練與矯正措施", "", "", 120,
     "說明演練情境、評分表與關鍵項目；缺失開立矯正措施，複查確認成效後才結案。"),
    ("publications", "專業聚焦・典藏傳承", "", "", 90,
     "介紹《姓名學迷失輔正之研究》（GPN 3810000238）及戶政文物館、戶政圖書館。"),
    ("text", "參獎主軸與下一步", "",
     "- 訂定**主軸**，找出關鍵字與獨特賣點\n- **標竿學習**：向典範機關學習的良性循環\n"
     "- **完整落實**：亮點真的做到，不是做給評審看\n- 顧客回饋、電子參與、顧客導向", 90,
     "以參獎方法收尾：主軸、標竿、落實。感謝委員，接著請委員提問。"),
]
# (question, model answer, answerer username, item codes as the records registry titles them)
QUESTIONS = [
    ("秘密客情境演練多久辦一次？發現的缺失如何追蹤到改善？",
     "每季辦理，涵蓋臨櫃、電話禮貌測試與線上申辦。缺失開立**矯正措施**，複查確認成效後結案；結案率見簡報。",
     "staff", ["4", "3.1"]),
    ("簡報中節省民眾時間的數字是怎麼算出來的？",
     "逐項以（簡化前 − 簡化後）分鐘 × 年案件量 ÷ 60 計算；等待天數另以件日計，不換算為小時。",
     "quality", ["2.1", "1.1"]),
    ("為什麼選這四個戶政事務所作為標竿？學到了哪些作法？",
     "人口規模相近（約 15 萬）且具代表性；學習作法與採行決定列於標竿學習紀錄。",
     "quality", ["3.3"]),
    ("滿意度調查的抽樣誤差與信度如何計算？",
     "95% 信心水準下抽樣誤差 = 1.96 × √(p(1 − p) ÷ n)，p = 0.5；信度以 Cronbach's α 計算。",
     "quality", ["4.2"]),
    ("地方人士與社區對本所服務的支持如何呈現？",
     "整理里長、社區發展協會與在地耆老的回饋與合作紀錄。",
     "leader", ["9"]),
    ("主動通知外籍配偶申請歸化，成效如何？",
     "結婚滿 3 年的外籍配偶主動寄發通知（全國首創），說明通知人數與後續申辦件數。",
     "staff", ["4.1"]),
]


def _items_by_code(cycle) -> dict[str, int]:
    """Item code -> id among the cycle's checklist items, read from their registry titles ("2015 · 4.1 …")."""
    found: dict[str, int] = {}
    for item_id, title in services.item_choices(cycle):
        match = re.match(r"^\d{4} · (\S+) ", title)
        if match:
            found.setdefault(match.group(1), item_id)
    return found


def seed(cycle, users_by_name) -> list[str]:
    """Create the demo deck and questions once; an empty list when the cycle has its deck already."""
    if services.deck_of(cycle) is not None:
        return []
    quality = users_by_name["quality"]
    deck = services.create_deck(cycle, TITLE, quality)
    for kind, title, subtitle, body, seconds, notes in SLIDES:
        services.add_slide(deck, kind, {"title": title, "subtitle": subtitle, "body": body,
                                        "planned_seconds": seconds, "notes": notes}, quality)
    items = _items_by_code(cycle)
    for question, answer, answerer, codes in QUESTIONS:
        services.create_question(cycle, {"question": question, "model_answer": answer,
                                         "answerer_id": users_by_name[answerer].id,
                                         "item_ids": [items[c] for c in codes if c in items]}, quality)
    return ["briefing deck", f"{len(QUESTIONS)} reviewer questions"]
