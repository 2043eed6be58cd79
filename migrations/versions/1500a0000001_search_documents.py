"""search: the PostgreSQL search table

Revision ID: 1500a0000001
Revises: 1900c0000001
Create Date: 2026-12-02 16:00:00.000000

The tables exist on PostgreSQL only: they serve QMS_SEARCH_BACKEND=postgres (qms/search_postgres.py), which is
refused on any other database, so a SQLite install gets nothing it cannot use.
"""
import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

# revision identifiers, used by Alembic.
revision = '1500a0000001'
down_revision = '1900c0000001'
branch_labels = None
depends_on = None


def upgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    op.create_table(
        "search_document",
        sa.Column("key", sa.Text(), primary_key=True),
        sa.Column("record_type", sa.String(50), nullable=False),
        sa.Column("record_id", sa.Integer(), nullable=False),
        sa.Column("access", postgresql.ARRAY(sa.Text()), nullable=False),
        sa.Column("kind", sa.Text(), nullable=False, server_default=""),
        sa.Column("year", sa.Integer(), nullable=True),
        sa.Column("date", sa.DateTime(), nullable=True),
        sa.Column("keywords", postgresql.ARRAY(sa.Text()), nullable=False, server_default="{}"),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("author", sa.Text(), nullable=False, server_default=""),
        sa.Column("body", sa.Text(), nullable=False, server_default=""),
        sa.Column("starts", postgresql.ARRAY(sa.Integer()), nullable=False, server_default="{}"),
        sa.Column("ends", postgresql.ARRAY(sa.Integer()), nullable=False, server_default="{}"),
        sa.Column("words", postgresql.TSVECTOR(), nullable=False),
        sa.Column("spell", postgresql.ARRAY(sa.Text()), nullable=False, server_default="{}"),
        sa.Column("digest", sa.String(40), nullable=False),
    )
    op.create_index("ix_search_document_record", "search_document", ["record_type", "record_id"])
    op.create_index("ix_search_document_words", "search_document", ["words"], postgresql_using="gin")
    op.create_index("ix_search_document_access", "search_document", ["access"], postgresql_using="gin")
    op.create_index("ix_search_document_spell", "search_document", ["spell"], postgresql_using="gin")
    op.create_index("ix_search_document_date", "search_document", [sa.text("date DESC NULLS LAST")])
    op.create_table("search_spelling", sa.Column("word", sa.Text(), primary_key=True))


def downgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    op.drop_table("search_spelling")
    op.drop_table("search_document")
