"""Framework files: the shipped ones are sound; bad files are refused line by line and import nothing."""
from decimal import Decimal

import pytest
from flask_babel import force_locale
from sqlalchemy import func, select

from qms.checklist import frameworks, services
from qms.checklist.frameworks import FrameworkError
from qms.checklist.models import Framework, FrameworkNode, Scale
from tests.checklist.sample_data import SMALL_FRAMEWORK


def parse_problems(text):
    with force_locale("en"), pytest.raises(FrameworkError) as error:
        frameworks.parse(text)
    return [(p.line, p.message) for p in error.value.problems]


def leaves(spec):
    parents = {node.parent for node in spec.nodes}
    return [node for node in spec.nodes if node.code not in parents]


def test_shipped_frameworks_parse(app):
    specs = {path.stem: frameworks.parse(path.read_text(encoding="utf-8")) for path in frameworks.shipped_files()}
    assert set(specs) == {"luzhu-self-check", "gov-service-award", "baldrige", "efqm-2020"}
    assert len(leaves(specs["luzhu-self-check"])) == 10
    baldrige = specs["baldrige"]
    assert baldrige.scale == Scale.BALDRIGE and baldrige.total_points == 1000
    assert len([n for n in baldrige.nodes if n.depth == 1]) == 7 and len(leaves(baldrige)) == 17
    points = {n.code: n.points for n in baldrige.nodes}
    assert (points["1"], points["1.1"], points["1.2"], points["7"], points["7.5"]) == (120, 70, 50, 450, 90)
    assert {n.kind for n in leaves(baldrige) if n.code.startswith("7.")} == {"results"}
    assert {n.kind for n in leaves(baldrige) if not n.code.startswith("7.")} == {"process"}
    efqm = specs["efqm-2020"]
    assert efqm.scale == Scale.EFQM and len(leaves(efqm)) == 7
    assert {n.code: n.points for n in leaves(efqm)} == {"1": 100, "2": 100, "3": 100, "4": 200, "5": 100,
                                                          "6": 200, "7": 200}
    gsa = specs["gov-service-award"]
    assert [n.name_zh for n in gsa.nodes if n.depth == 1] == ["基礎服務", "服務遞送", "服務量能", "開放創新"]
    assert gsa.points_note_zh  # marked: set the points from this year's plan


def test_duplicate_code_is_refused_with_its_line(app):
    text = SMALL_FRAMEWORK.replace('code: "B.1"', 'code: "A.1"')
    problems = parse_problems(text)
    line = text.splitlines().index('  - code: "A.1"', 12) + 1
    assert any(p_line == line and "A.1" in message and "twice" in message for p_line, message in problems)


def test_cycle_is_refused(app):
    text = SMALL_FRAMEWORK.replace('  - code: "A"\n', '  - code: "A"\n    parent: "A.1"\n')
    problems = parse_problems(text)
    assert any("cycle" in message for _line, message in problems)


def test_missing_name_is_refused(app):
    text = SMALL_FRAMEWORK.replace("name: {zh_Hant_TW: 項目甲二, en: Item A2}", "name: {en: Item A2}")
    problems = parse_problems(text)
    assert any("A.2" in message and "zh_Hant_TW" in message for _line, message in problems)


def test_points_that_do_not_add_up_are_refused(app):
    text = SMALL_FRAMEWORK.replace("points: 20", "points: 25")
    problems = parse_problems(text)
    line = SMALL_FRAMEWORK.splitlines().index('  - code: "A"') + 1
    assert (line, "The points under A add up to 65, not its 60.") in problems


def test_points_may_differ_when_the_framework_says_so(app):
    text = SMALL_FRAMEWORK.replace("points: 20", "points: 25").replace("points_add_up: true", "points_add_up: false")
    assert frameworks.parse(text).nodes[2].points == Decimal(25)


def test_too_deep_unknown_field_and_bad_yaml(app):
    deep = SMALL_FRAMEWORK + ('  - code: "B.1.a"\n    parent: "B.1"\n    name: {zh_Hant_TW: 甲, en: a}\n'
                              '    points: 0\n  - code: "B.1.a.i"\n    parent: "B.1.a"\n'
                              '    name: {zh_Hant_TW: 乙, en: b}\n    points: 0\n')
    assert any("at most 3" in message for _line, message in parse_problems(
        deep.replace("points_add_up: true", "points_add_up: false")))
    assert any("Unknown field colour" in m for _l, m in parse_problems(SMALL_FRAMEWORK + "colour: red\n"))
    assert parse_problems("key: [unclosed")[0][0] == 1
    assert parse_problems("- just a list")[0][1].startswith("A framework file must be a mapping")


def test_a_refused_file_imports_nothing(app, db):
    with pytest.raises(FrameworkError):
        services.import_framework(SMALL_FRAMEWORK.replace("points: 20", "points: 21"), "bad.yaml", None)
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(Framework)) == 0
    assert db.session.scalar(select(func.count()).select_from(FrameworkNode)) == 0


def test_versions(app, db, assessment, small_framework):
    again, created = services.import_framework(SMALL_FRAMEWORK, "small.yaml", None)
    assert not created and again.id == small_framework.id
    edited = SMALL_FRAMEWORK.replace("Item B1", "Item B1 (revised)")
    newer, created = services.import_framework(edited, "small.yaml", None)
    assert created and newer.version == 2 and newer.key == "small"
    db.session.refresh(assessment)
    assert assessment.framework_id == small_framework.id  # the old cycle keeps its version
    assert [n.code for n in newer.nodes] == ["A", "A.1", "A.2", "B", "B.1"]


def test_admin_uploads_a_framework_and_sees_line_errors(login_as, db):
    from io import BytesIO

    from qms.spine.access import Role

    admin = login_as(Role.ADMIN)
    bad = SMALL_FRAMEWORK.replace('code: "B.1"', 'code: "A.1"').encode()
    response = admin.post_form("/checklist/frameworks/upload", {"file": (BytesIO(bad), "bad.yaml")},
                               content_type="multipart/form-data", token_from="/checklist/frameworks")
    body = response.get_data(as_text=True)
    assert response.status_code == 400 and "第 " in body and "A.1" in body
    assert db.session.scalar(select(func.count()).select_from(Framework)) == 0
    response = admin.post_form("/checklist/frameworks/upload", {"file": (BytesIO(SMALL_FRAMEWORK.encode()), "s.yaml")},
                               content_type="multipart/form-data", token_from="/checklist/frameworks")
    assert response.status_code == 302
    assert db.session.scalar(select(func.count()).select_from(Framework)) == 1


def test_children_listed_before_their_parent_still_import_as_a_tree(app, db):
    lines = SMALL_FRAMEWORK.splitlines(keepends=True)
    start_a, start_b = lines.index('  - code: "A"\n'), lines.index('  - code: "A.1"\n')
    reordered = "".join(lines[:start_a] + lines[start_b:] + lines[start_a:start_b])
    framework, _created = services.import_framework(reordered, "reordered.yaml", None)
    # top-level nodes keep the file's order (B now comes first); each child follows its parent
    assert [(n.code, n.depth, n.parent.code if n.parent else None) for n in framework.nodes] == [
        ("B", 1, None), ("B.1", 2, "B"), ("A", 1, None), ("A.1", 2, "A"), ("A.2", 2, "A")]



def test_a_value_of_the_wrong_type_is_reported_on_its_item_with_the_usual_reason(app):
    text = SMALL_FRAMEWORK.replace("points: 40\n", "points: lots\n", 1).replace("scale: percent", "scale: stars")
    text = text.replace("name: {zh_Hant_TW: 項目乙一, en: Item B1}", "name: {zh_Hant_TW: 項目乙一, en: 12}")
    lines = text.splitlines()
    item_a1, item_b1 = lines.index('  - code: "A.1"') + 1, lines.index('  - code: "B.1"') + 1
    assert parse_problems(text) == [(1, "scale must be one of: percent, baldrige, efqm."),
                                    (item_a1, "A.1 needs points: a number of at least 0."),
                                    (item_b1 + 2, "The name of B.1 is missing its en text.")]
    with force_locale("zh_Hant_TW"), pytest.raises(FrameworkError) as error:
        frameworks.parse(text)
    assert str(error.value.problems[1]) == f"第 {item_a1} 行：A.1 需要配分：不小於 0 的數字。"
