"""The migration that splits citizen time spent from turnaround moves the old "days" rows, and back."""
import datetime as dt
from decimal import Decimal

import flask_migrate
import pytest
from alembic.config import Config
from alembic.script import ScriptDirectory
from sqlalchemy import text

from qms import create_app
from qms.config import ROOT
from qms.extensions import db
from tests.conftest import make_config

REVISION = "38880da266a5"  # process improvements: citizen time spent and turnaround as two pairs


@pytest.fixture
def old_database(tmp_path):
    """An app on a fresh SQLite database migrated to just before the split."""
    config = Config(str(ROOT / "migrations" / "alembic.ini"))
    config.set_main_option("script_location", str(ROOT / "migrations"))
    before = ScriptDirectory.from_config(config).get_revision(REVISION).down_revision
    app = create_app(make_config(f"sqlite:///{tmp_path / 'old.sqlite3'}"))
    with app.app_context():
        flask_migrate.upgrade(revision=before)
        yield before
        db.session.remove()
        db.engine.dispose()


def rows(turnaround: bool = True):
    columns = "service, before_value, before_unit, after_value, after_unit"
    if turnaround:
        columns += ", turnaround_before_days, turnaround_after_days"
    with db.engine.connect() as connection:
        return connection.execute(text(f"SELECT {columns} FROM process_improvement ORDER BY id")).all()


def test_days_rows_move_to_turnaround_and_back(old_database):
    moment = dt.datetime(2015, 1, 1, tzinfo=dt.UTC)
    with db.engine.begin() as connection:
        connection.execute(text(
            "INSERT INTO award_cycle (id, award_name, year, status, is_current, notes, created_at, updated_at) "
            "VALUES (1, '政府服務品質獎', 2015, 'preparing', 1, '', :t, :t)"), {"t": moment})
        connection.execute(text(
            "INSERT INTO initiative (id, award_cycle_id, title_zh, title_en, summary, problem, what_changed, team, "
            "status, first_in_nation, first_in_nation_note, partners, channels, tags, created_at, updated_at) "
            "VALUES (1, 1, '臨櫃流程簡化', '', '', '', '', '', 'running', 0, '', '', '[]', '[]', :t, :t)"),
            {"t": moment})
        for service, before, before_unit, after, after_unit in (
                ("英文謄本", 6, "days", 0, "on_the_spot"),      # 6 days → on the spot
                ("國籍歸化測試", 90, "days", 0, "on_the_spot"),  # 90 days → test on arrival
                ("補發", 2, "days", 12, "hours"),                # 2 days → 12 h = 0.5 day
                ("改名查詢", 50, "minutes", 5, "minutes")):       # citizen time: left as it is
            connection.execute(text(
                "INSERT INTO process_improvement (initiative_id, service, before_value, before_unit, after_value, "
                "after_unit, yearly_cases, year, period_note, created_at, updated_at) "
                "VALUES (1, :service, :before, :before_unit, :after, :after_unit, 100, 2014, '', :t, :t)"),
                {"service": service, "before": before, "before_unit": before_unit, "after": after,
                 "after_unit": after_unit, "t": moment})

    flask_migrate.upgrade(revision=REVISION)
    assert [(service, before_unit, after_unit, Decimal(str(b)) if b is not None else None,
             Decimal(str(a)) if a is not None else None)
            for service, _bv, before_unit, _av, after_unit, b, a in rows()] == [
        ("英文謄本", None, None, Decimal(6), Decimal(0)),
        ("國籍歸化測試", None, None, Decimal(90), Decimal(0)),
        ("補發", None, None, Decimal(2), Decimal("0.5")),
        ("改名查詢", "minutes", "minutes", None, None)]
    assert [row[1] for row in rows()] == [None, None, None, 50]

    flask_migrate.downgrade(revision=old_database)
    assert [(service, Decimal(str(bv)), before_unit, Decimal(str(av)), after_unit)
            for service, bv, before_unit, av, after_unit in rows(turnaround=False)] == [
        ("英文謄本", 6, "days", 0, "on_the_spot"),
        ("國籍歸化測試", 90, "days", 0, "on_the_spot"),
        ("補發", 2, "days", Decimal("0.5"), "days"),
        ("改名查詢", 50, "minutes", 5, "minutes")]
