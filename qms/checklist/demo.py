"""Demo self-assessments for the Luzhu office's 2015 cycle: the self-check list and the Government Service Award."""
from __future__ import annotations

import datetime as dt

from qms.checklist import services
from qms.checklist.models import ItemStatus
from qms.evidence import services as evidence

D = dt.date
# code -> (owner username, due date, status, score, target score)
SELF_CHECK = {
    "1": ("quality", D(2015, 4, 30), ItemStatus.READY, 90, 90),
    "2": ("quality", D(2015, 4, 30), ItemStatus.READY, 85, 90),
    "3": ("staff", D(2015, 5, 31), ItemStatus.IN_REVIEW, 80, 90),
    "4": ("staff", D(2015, 6, 15), ItemStatus.IN_PROGRESS, 60, 85),
    "5": ("staff", D(2015, 5, 31), ItemStatus.READY, 95, 95),
    "6": ("quality", D(2015, 6, 15), ItemStatus.IN_REVIEW, 75, 85),
    "7": ("quality", D(2015, 6, 30), ItemStatus.IN_PROGRESS, 50, 85),
    "8": ("staff", D(2015, 6, 30), ItemStatus.IN_PROGRESS, 40, 80),
    "9": ("leader", D(2015, 7, 15), ItemStatus.NOT_STARTED, None, 70),
    "10": ("quality", D(2015, 7, 15), ItemStatus.IN_PROGRESS, 30, 80),
}
GOV_SERVICE_AWARD = {
    "1.1": ("quality", D(2015, 5, 31), ItemStatus.READY, 80, 85),
    "1.2": ("staff", D(2015, 5, 31), ItemStatus.READY, 85, 85),
    "1.3": ("staff", D(2015, 6, 15), ItemStatus.IN_REVIEW, 75, 85),
    "2.1": ("staff", D(2015, 6, 15), ItemStatus.IN_REVIEW, 80, 85),
    "2.2": ("quality", D(2015, 6, 30), ItemStatus.IN_PROGRESS, 65, 80),
    "2.3": ("staff", D(2015, 6, 30), ItemStatus.IN_PROGRESS, 60, 80),
    "3.1": ("quality", D(2015, 6, 30), ItemStatus.IN_PROGRESS, 55, 80),
    "3.2": ("quality", D(2015, 7, 15), ItemStatus.NOT_STARTED, None, 75),
    "3.3": ("leader", D(2015, 7, 15), ItemStatus.IN_PROGRESS, 45, 75),
    "4.1": ("staff", D(2015, 6, 30), ItemStatus.IN_REVIEW, 85, 90),
    "4.2": ("quality", D(2015, 7, 15), ItemStatus.NOT_STARTED, None, 70),
    "4.3": ("quality", D(2015, 7, 15), ItemStatus.IN_PROGRESS, 50, 80),
}
NARRATIVES = {
    ("luzhu-self-check", "4"): "103 年起每季辦理**秘密客情境演練**，涵蓋臨櫃、電話禮貌測試與線上申辦；"
                               "缺失均開立矯正措施並於複查確認成效。",
    ("luzhu-self-check", "5"): "設置戶政文物館與戶政圖書館，典藏本所出版品（如《姓名學迷失輔正之研究》，"
                               "GPN 3810000238）並提供線上書目查詢。",
    ("gov-service-award", "2.1"): "早鳥服務（週一至週五 07:30 起、週六 09:00–12:00），一次臨櫃，萬事 OK。",
}


def seed(cycle, users_by_name) -> list[str]:
    """Adopt the two frameworks for the demo cycle and fill in a realistic mix; skipped if already done."""
    if services.assessments_of(cycle):
        return []
    services.import_shipped()
    quality = users_by_name["quality"]
    created = []
    for key, plan in (("luzhu-self-check", SELF_CHECK), ("gov-service-award", GOV_SERVICE_AWARD)):
        assessment = services.adopt(cycle, services.latest_version(key), quality)
        items = {item.node.code: item for item in assessment.items}
        for code, (owner, due, status, score, target) in plan.items():
            services.update_item(items[code], {
                "owner_id": users_by_name[owner].id, "due_date": due, "status": status, "score": score,
                "target_score": target, "narrative": NARRATIVES.get((key, code), "")}, quality)
        created.append(f"self-assessment {key}")
    self_check = {item.node.code: item for item in services.assessments_of(cycle)[0].items}
    gsa = {item.node.code: item for item in services.assessments_of(cycle)[1].items}
    evidence.add_link(self_check["5"], "https://www.ris.gov.tw/", "內政部戶政司全球資訊網", None, quality)
    evidence.add_record(self_check["4"], f"assessment_item:{gsa['2.3'].id}", D(2015, 6, 30), quality)
    evidence.add_record(gsa["4.1"], f"assessment_item:{self_check['3'].id}", None, quality)
    return created
