"""The migrations build exactly the models' schema, and the history has one head."""
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory

from qms.config import ROOT


def test_single_head():
    from alembic.config import Config

    config = Config(str(ROOT / "migrations" / "alembic.ini"))
    config.set_main_option("script_location", str(ROOT / "migrations"))
    assert len(ScriptDirectory.from_config(config).get_heads()) == 1


def models_only(item, name, type_, reflected, compare_to):
    """The PostgreSQL search backend's tables are Core tables of their own (qms/search_postgres.py), not models."""
    from qms import search_postgres

    table = item if type_ == "table" else getattr(item, "table", None)
    return getattr(table, "name", name) not in search_postgres.metadata.tables


def test_upgrade_gives_the_models_schema(app, db):
    # The session's database was built by `flask db upgrade` from nothing (see conftest.migrated_database).
    with db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True,
                                                              "include_object": models_only})
        diff = compare_metadata(context, db.metadata)
    assert diff == []


def test_every_model_table_exists(app, db):
    from sqlalchemy import inspect

    tables = set(inspect(db.engine).get_table_names())
    assert {"user", "organization", "award_cycle", "audit_event", "login_failure", "alembic_version"} <= tables
