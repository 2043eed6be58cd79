"""Demo benchmarking data: the 2014 peer table of the Luzhu presentation, and the office's 2015 figures.

The 2014 table (staff, population, population per staff) is the source's; the 2015 row is the office profile
(population 153,283 at the end of May 2015, establishment 30). The one note is an illustrative example.
"""
from __future__ import annotations

import datetime as dt

from qms.benchmarking import services

SELF = ("桃園市蘆竹區戶政事務所", "Luzhu District Household Registration Office", "桃園市")
PEERS = [
    ("臺北市中正區戶政事務所", "Zhongzheng District Household Registration Office", "臺北市"),
    ("高雄市小港區戶政事務所", "Xiaogang District Household Registration Office", "高雄市"),
    ("新北市淡水區戶政事務所", "Tamsui District Household Registration Office", "新北市"),
    ("臺中市北區戶政事務所", "North District Household Registration Office", "臺中市"),
]
# 2014 (民國103年): staff, population
TABLE_2014 = {
    SELF[0]: (30, 151354),
    PEERS[0][0]: (53, 163388),
    PEERS[1][0]: (35, 156171),
    PEERS[2][0]: (33, 158953),
    PEERS[3][0]: (36, 147471),
}
SOURCE_2014 = "本所 104 年參獎簡報：103 年與五都人口相近戶所比較"


def seed(actor) -> bool:
    """Load the register once; returns False when it already holds organizations."""
    if services.list_peers():
        return False
    office = services.save_peer(None, {"name_zh": SELF[0], "name_en": SELF[1], "city": SELF[2],
                                       "kind": "household_registration"}, actor, is_self=True)
    peers = {SELF[0]: office}
    for name_zh, name_en, city in PEERS:
        peers[name_zh] = services.save_peer(None, {"name_zh": name_zh, "name_en": name_en, "city": city,
                                                   "kind": "household_registration"}, actor)
    staff = services.save_metric(None, {"name_zh": "員額數", "name_en": "Staff", "unit": "人",
                                        "direction": "lower", "position": 1}, actor)
    population = services.save_metric(None, {"name_zh": "人口數", "name_en": "Population", "unit": "人",
                                             "direction": "higher", "position": 2}, actor)
    services.save_metric(None, {"name_zh": "每人服務人口數", "name_en": "Population per staff", "unit": "人",
                                "direction": "higher", "numerator_id": population.id, "denominator_id": staff.id,
                                "decimals": 0, "position": 3}, actor)
    for name, (staff_count, people) in TABLE_2014.items():
        services.save_value(peers[name], staff, 2014, {"value": staff_count, "source": SOURCE_2014}, actor)
        services.save_value(peers[name], population, 2014, {"value": people, "source": SOURCE_2014}, actor)
    services.save_value(office, staff, 2015, {"value": 30, "source": "機關概況"}, actor)
    services.save_value(office, population, 2015, {"value": 153283, "source": "104 年 5 月底人口數",
                                                   "source_date": dt.date(2015, 5, 31)}, actor)
    services.save_note(None, {
        "title": "（示範）臨櫃叫號與預約整合", "peer_id": peers[PEERS[0][0]].id, "visited_on": dt.date(2015, 3, 12),
        "practice": "示範資料：標竿機關將網路預約與現場叫號整合，預約民眾到所直接臨櫃。",
        "why_it_works": "尖峰時段分流，等候時間可預期。", "decision": "to_study",
        "decision_owner_id": actor.id, "decision_date": dt.date(2015, 4, 1)}, actor)
    return True
