"""The demo dossier: the 2015 cycle's application with a leadership foreword, ready to generate."""
from __future__ import annotations

from sqlalchemy import select

from qms.dossier import services
from qms.dossier.models import Dossier
from qms.extensions import db

TITLE = "政府服務品質獎參獎資料（第一線服務機關）"
FOREWORD = """\
蘆竹區戶政事務所以「**尊重·專業·效率**」為服務理念，秉持「一次臨櫃，萬事OK」、「不出門能辦大小事」、
「主動關懷，服務到家」三大核心主軸，推動 SPARK 創新服務。

民國103年配合行政區域調整，本所完成逾4萬戶門牌整編及6萬8千餘張國民身分證換發，
每人服務人口數居桃園市之冠。我們透過品管圈、標竿學習、秘密客情境演練與顧客滿意度調查，
持續檢視並改善每一項服務流程。

- 19 項流程簡化，節省民眾約 12 萬小時
- 全國首創主動通知外籍配偶申請歸化
- 以 LINE 預先審核換證資料，加速區域調整換證

謹以本資料呈現全所同仁的努力成果，敬請指教。

主任 王主任
"""


def seed(cycle, actor) -> bool:
    """Create the demo dossier once; False when it already exists."""
    if db.session.scalar(select(Dossier.id).where(Dossier.award_cycle_id == cycle.id)) is not None:
        return False
    services.create_dossier(cycle, {"title": TITLE, "foreword": FOREWORD, "page_limit": 60}, actor)
    return True
