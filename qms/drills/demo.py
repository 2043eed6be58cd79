"""Demo drills: the three shipped scorecards, a small scenario library, a 2015 plan and a few logged drills.

The drills are illustrative (the source reports that the office runs them, not their scores).
"""
from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from qms.drills import services
from qms.drills.models import Scenario
from qms.extensions import db

SCENARIOS = [
    dict(title_zh="申請英文戶籍謄本", title_en="Apply for an English household transcript", channel="counter",
         request="以本人身分申請英文戶籍謄本，詢問是否可當場取件。",
         expected="查驗身分證件，說明英文姓名依護照拼音，隨到隨辦、當場核發。"),
    dict(title_zh="詢問改名手續", title_en="Ask how to change one's name", channel="phone",
         request="來電詢問改名需要的證件與次數限制。",
         expected="說明應備證件、改名次數規定與辦理地點，並告知可預約。"),
    dict(title_zh="代他人申請謄本（應婉拒）", title_en="Ask for someone else's transcript (to be refused)",
         channel="counter", should_refuse=True,
         request="未持委託書，要求代朋友申請全戶戶籍謄本。",
         expected="依個資規定婉拒，說明委託書與應備文件，態度友善並提供替代辦法。"),
    dict(title_zh="LINE 詢問換發身分證", title_en="Ask about renewing an ID card on LINE", channel="online",
         request="透過 LINE 詢問換發身分證需帶哪些證件、照片規格。",
         expected="1 個工作天內回覆，附照片規格連結與應備證件清單，並署名。"),
]


def seed(quality, staff) -> bool:
    if db.session.scalar(select(Scenario.id).limit(1)):
        return False
    scorecards = {s.key: s for s in services.import_shipped(quality)}
    scenarios = [services.save_scenario(None, {**s, "active": True}, quality) for s in SCENARIOS]
    for month in range(1, 13):
        services.set_plan(2015, month, "counter", 2, quality)
        services.set_plan(2015, month, "phone", 1, quality)
    counter = scorecards["counter-service"]
    criteria = {c.code: c.id for c in services.criteria_of(counter)}
    good = {"A1": 1, "A2": 1, "A3": 1, "B1": 1, "B2": 1, "C1": 5, "C2": 4, "C3": 5, "D1": 4, "D2": 1, "D3": 1}
    weak = {**good, "A2": 0, "B2": 0, "C1": 2, "C2": 3}
    at = dt.timezone(dt.timedelta(hours=8))
    for when, scores, unit, scenario in (
            (dt.datetime(2015, 3, 10, 9, 20, tzinfo=at), good, "第 3 櫃台", scenarios[0]),
            (dt.datetime(2015, 4, 14, 15, 5, tzinfo=at), weak, "第 5 櫃台", scenarios[2])):
        services.save_drill(None, {"occurred_at": when.astimezone(dt.timezone.utc), "channel": "counter",
                                   "scenario_id": scenario.id, "scorecard_id": counter.id, "shopper_id": staff.id,
                                   "unit_observed": unit, "staff_names": "", "waiting_minutes": 6,
                                   "handling_minutes": 8, "comments": ""},
                            {criteria[code]: (value, "") for code, value in scores.items()}, staff)
    return True
