"""Checklist fixtures: a small framework file, and a cycle that has adopted it."""
import textwrap

import pytest

from qms.spine.access import Role

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


@pytest.fixture
def small_framework(app):
    from qms.checklist import services

    framework, _created = services.import_framework(SMALL_FRAMEWORK, "small.yaml", None)
    return framework


@pytest.fixture
def assessment(app, small_framework):
    from qms.checklist import services
    from tests.factories import AwardCycleFactory, UserFactory

    cycle = AwardCycleFactory(is_current=True, submission_deadline=None)
    return services.adopt(cycle, small_framework, UserFactory(role=Role.QUALITY))


@pytest.fixture
def items(assessment):
    return {item.node.code: item for item in assessment.items}
