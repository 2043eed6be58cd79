"""search: narrow rows in search_document (its texts, spans and vector out of line; access and keywords inline)

A query's matching, counting and facets read only the small columns of every matching row; with the body and
its spans inline a row took ~1.5 KB, so a common word's matches were spread over three times as many heap pages
as rows. With toast_tuple_target = 256 a row's large values go out of line and its heap row is ~340 bytes;
access and keywords (read for every match) are kept inline (STORAGE MAIN). Rows already written are rewritten
here (VACUUM FULL, outside the migration's transaction).

Revision ID: 1500b0000001
Revises: 1900d0000001
Create Date: 2026-12-03 21:15:00.000000

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '1500b0000001'
down_revision = '1900d0000001'
branch_labels = None
depends_on = None


def upgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("ALTER TABLE search_document SET (toast_tuple_target = 256)")
    op.execute("ALTER TABLE search_document ALTER COLUMN access SET STORAGE MAIN, "
               "ALTER COLUMN keywords SET STORAGE MAIN")
    with op.get_context().autocommit_block():
        op.execute("VACUUM FULL search_document")


def downgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("ALTER TABLE search_document RESET (toast_tuple_target)")
    op.execute("ALTER TABLE search_document ALTER COLUMN access SET STORAGE EXTENDED, "
               "ALTER COLUMN keywords SET STORAGE EXTENDED")
