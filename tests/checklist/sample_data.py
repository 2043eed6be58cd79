"""Checklist sample data: a small framework file, and a generated framework and assessment of any size (used by
the query-count test and the benchmark)."""
import textwrap

from qms.checklist import services
from qms.checklist.models import ItemStatus
from qms.evidence.models import Evidence, EvidenceKind
from qms.extensions import db

SMALL_FRAMEWORK = textwrap.dedent("""\
    key: small
    edition: "test"
    name: {zh_Hant_TW: 小型架構, en: Small framework}
    scale: percent
    points_add_up: true
    total_points: 100
    items:
      - code: "A"
        name: {zh_Hant_TW: 構面甲, en: Dimension A}
        points: 60
      - code: "A.1"
        parent: "A"
        name: {zh_Hant_TW: 項目甲一, en: Item A1}
        points: 40
      - code: "A.2"
        parent: "A"
        name: {zh_Hant_TW: 項目甲二, en: Item A2}
        points: 20
      - code: "B"
        name: {zh_Hant_TW: 構面乙, en: Dimension B}
        points: 40
      - code: "B.1"
        parent: "B"
        name: {zh_Hant_TW: 項目乙一, en: Item B1}
        points: 40
    """)


def framework_yaml(items: int, per_dimension: int = 10, key: str = "generated") -> str:
    dimensions = (items + per_dimension - 1) // per_dimension
    lines = [f"key: {key}", "name: {zh_Hant_TW: 產生的架構, en: Generated}", "scale: percent",
             "points_add_up: false", f"total_points: {items * 10}", "items:"]
    made = 0
    for d in range(1, dimensions + 1):
        lines += [f'  - code: "{d}"', f"    name: {{zh_Hant_TW: 構面{d}, en: Dimension {d}}}", "    points: 0"]
        for i in range(1, per_dimension + 1):
            if made == items:
                break
            made += 1
            lines += [f'  - code: "{d}.{i}"', f'    parent: "{d}"',
                      f"    name: {{zh_Hant_TW: 項目{d}.{i}, en: Item {d}.{i}}}", f"    points: {5 + i}"]
    return "\n".join(lines) + "\n"


def make_assessment(items: int, evidence_per_item: int, year: int, actor=None):
    from qms.core.models import AwardCycle

    framework, _created = services.import_framework(framework_yaml(items, key=f"generated-{items}"),
                                                    "generated.yaml", actor)
    cycle = AwardCycle(award_name="產生的獎項", year=year)
    db.session.add(cycle)
    db.session.commit()
    assessment = services.adopt(cycle, framework, actor)
    statuses = list(ItemStatus)
    for index, item in enumerate(assessment.items):
        item.status = statuses[index % 4]
        item.score = (index * 7) % 101
        for n in range(evidence_per_item):
            db.session.add(Evidence(subject_type="assessment_item", subject_id=item.id, kind=EvidenceKind.LINK, url=f"https://example.org/{index}/{n}",
                                    title=f"佐證 {index}-{n}"))
    db.session.commit()
    return assessment
