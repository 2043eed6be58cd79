"""Demo SPARK initiatives for the Luzhu office, with the nine before/after pairs of its 2015 presentation.

Each pair is what the presentation says, in the measure it says it in: minutes are the citizen's time spent
("50分→5分"), days are turnaround, the wait until the citizen has the result ("6日→隨到隨辦", "90日→隨到隨考");
the other measure of each service is not in the source and is left unrecorded. The yearly case volumes are
illustrative (the source gives only totals), and say so in their period note. LINE figures are the
presentation's (339 posts, 237 followers, 347 ID cards renewed), starting from zero at launch.
"""
from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from qms.extensions import db
from qms.initiatives import services
from qms.initiatives.models import Initiative

CORES = [
    ("一次臨櫃，萬事OK", "One visit to the counter settles everything", 1),
    ("不出門能辦大小事", "Get things done without leaving home", 2),
    ("主動關懷，服務到家", "Proactive care, service at your door", 3),
]
ILLUSTRATIVE = "103年；件數為示範數據"

# (service, citizen minutes before → after or None, turnaround days before → after or None, illustrative yearly
# cases); "on the spot" is 0 days of turnaround
IMPROVEMENTS = {
    "counter": [
        ("英文謄本", None, (6, 0), 820),
        ("改名查詢", (50, 5), None, 300),
        ("專人大宗謄本", (30, 10), None, 2400),
        ("遷徙免書證免謄本", (50, 5), None, 3500),
        ("數位除戶謄本", (50, 5), None, 1200),
        ("自動拍照", (60, 5), None, 4000),
        ("規費電腦化", (5, 1), None, 20000),
    ],
    "online": [("線上申辦案件", (50, 5), None, 2000)],
    "naturalization": [("國籍歸化測試", None, (90, 0), 60)],
}

INITIATIVES = [
    dict(key="early", core=0, title_zh="早鳥服務與跨機關駐點", title_en="Early-bird counter and partner desks",
         status="running", channels=["counter"], start_date=dt.date(2013, 3, 1), tags=["便民"],
         partners="郵局、稅捐處、律師公會",
         summary="週一至週五 07:30 起、週六 09:00–12:00 提供早鳥服務；郵局、稅捐處與律師駐點，一次到所辦妥。"),
    dict(key="counter", core=0, title_zh="臨櫃流程簡化", title_en="Counter process simplification",
         status="running", channels=["counter"], start_date=dt.date(2014, 1, 1), tags=["流程簡化", "品管圈"],
         team="品管圈「SPARK 圈」",
         summary="減少核章級數、專人處理大宗案件、規費電腦化，讓民眾在臨櫃隨到隨辦。",
         problem="部分案件需多層核章、往返等候，英文謄本須數日才能取件。",
         what_changed="授權第一線核發、簡化書證，並導入自動拍照與規費電腦化。"),
    dict(key="online", core=1, title_zh="線上申辦", title_en="Online applications", status="running",
         channels=["online"], start_date=dt.date(2014, 1, 1), tags=["數位服務"],
         summary="民眾於網路申辦謄本等案件，到所即取。"),
    dict(key="line", core=1, title_zh="LINE 預檢換證", title_en="ID-card renewal pre-checked over LINE",
         status="retired", channels=["line"], start_date=dt.date(2014, 7, 1), first_in_nation=True,
         first_in_nation_note="本所 104 年參獎簡報（行政區域調整期間）", tags=["行政區域調整", "數位服務"],
         summary="行政區域調整期間，民眾先以 LINE 傳送資料預檢，到所換發身分證免等候。"),
    dict(key="naturalization", core=2, title_zh="外籍配偶歸化主動關懷",
         title_en="Proactive naturalization reminders for foreign spouses", status="running",
         channels=["phone", "outreach"], start_date=dt.date(2014, 1, 1), first_in_nation=True,
         first_in_nation_note="本所 104 年參獎簡報：針對結婚滿 3 年之外籍配偶主動提醒，為全國首創",
         tags=["新住民"], summary="主動提醒結婚滿 3 年的外籍配偶辦理歸化，國籍歸化測試隨到隨考。"),
    dict(key="one-stop", core=0, title_zh="一處異動，多處同步",
         title_en="One registration change updates vehicle, water, power and tax records", status="running",
         channels=["counter"], start_date=dt.date(2013, 9, 1), partners="監理站、自來水公司、台電、稅捐處",
         tags=["跨機關"], summary="辦理戶籍異動時，一併通報監理、水電與稅務資料變更。"),
    dict(key="islands", core=2, title_zh="離島快速通關", title_en="Offshore-island fast track",
         status="piloting", channels=["phone", "counter"], start_date=dt.date(2015, 1, 1), tags=["跨機關"],
         summary="金門、澎湖、馬祖籍民眾以傳真跨所驗證，縮短往返。"),
]
LINE_METRICS = [("LINE 貼文", "則", 339), ("LINE 好友", "人", 237), ("預檢換發身分證", "張", 347)]


def seed(cycle, quality) -> dict[str, Initiative]:
    """Load the demo initiatives into the cycle; skipped (returns {}) if it already has initiatives."""
    if db.session.scalar(select(Initiative.id).where(Initiative.award_cycle_id == cycle.id).limit(1)):
        return {}
    cores = {core.name_zh: core for core in services.list_cores()}
    for name_zh, name_en, position in CORES:
        if name_zh not in cores:
            cores[name_zh] = services.save_core(None, {"name_zh": name_zh, "name_en": name_en,
                                                       "position": position, "active": True}, quality)
    made = {}
    for spec in INITIATIVES:
        values = {k: v for k, v in spec.items() if k not in ("key", "core")}
        values["core_id"] = cores[CORES[spec["core"]][0]].id
        values["owner_id"] = quality.id
        made[spec["key"]] = services.create_initiative(cycle, values, quality)
    for key, rows in IMPROVEMENTS.items():
        for service, minutes, days, cases in rows:
            values = {"service": service, "yearly_cases": cases, "year": 2014, "period_note": ILLUSTRATIVE}
            if minutes:
                values.update(before_value=minutes[0], before_unit="minutes", after_value=minutes[1],
                              after_unit="minutes")
            if days:
                values.update(turnaround_before_days=days[0], turnaround_after_days=days[1])
            services.add_improvement(made[key], values, quality)
    for name, unit, final in LINE_METRICS:
        services.add_metric(made["line"], {"name": name, "unit": unit, "observed_on": dt.date(2014, 7, 1),
                                           "value": 0}, quality)
        services.add_metric(made["line"], {"name": name, "unit": unit, "observed_on": dt.date(2014, 12, 31),
                                           "value": final}, quality)
    return made
