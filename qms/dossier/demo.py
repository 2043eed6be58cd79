"""The demo dossier: the 2015 cycle's application with a leadership foreword, ready to generate."""
from __future__ import annotations

from sqlalchemy import select

from qms.dossier import services
from qms.dossier.models import Dossier
from qms.extensions import db
from qms.i18n import number

TITLE = "政府服務品質獎參獎資料（第一線服務機關）"
FOREWORD = """\
蘆竹區戶政事務所以「**尊重·專業·效率**」為服務理念，秉持「一次臨櫃，萬事OK」、「不出門能辦大小事」、
「主動關懷，服務到家」三大核心主軸，推動 SPARK 創新服務。

民國103年配合行政區域調整，本所完成逾4萬戶門牌整編及6萬8千餘張國民身分證換發，
每人服務人口數居桃園市之冠。我們透過品管圈、標竿學習、秘密客情境演練與顧客滿意度調查，
持續檢視並改善每一項服務流程。

- 參獎簡報所載：申辦案件流程簡化 19 項，受理案件 23,712 件，節省時間 122,658 小時（簡報之數字）
- 本資料登錄其中 {improvements} 項流程簡化，依所列時間逐項計算：每年節省民眾時間 {hours} 小時，
  縮短辦結天數 {case_days} 件日（計算式見「SPARK 創新服務」章）
- 全國首創主動通知外籍配偶申請歸化
- 以 LINE 預先審核換證資料，加速區域調整換證

謹以本資料呈現全所同仁的努力成果，敬請指教。

主任 王主任
"""


def foreword(improvements: int, hours, case_days) -> str:
    """The foreword with QMS's own totals of the process improvements (computed from the data by the caller)
    stated beside the presentation's claims, which are quoted as the presentation's."""
    return FOREWORD.format(improvements=improvements, hours=number(hours), case_days=number(case_days))


def seed(cycle, actor, improvements: int, hours, case_days) -> bool:
    """Create the demo dossier once; False when it already exists. The figures are the cycle's process
    improvements: how many, citizen hours and turnaround case-days saved per year."""
    if db.session.scalar(select(Dossier.id).where(Dossier.award_cycle_id == cycle.id)) is not None:
        return False
    services.create_dossier(cycle, {"title": TITLE, "foreword": foreword(improvements, hours, case_days),
                                    "page_limit": 60}, actor)
    return True
