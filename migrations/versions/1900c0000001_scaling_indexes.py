"""indexes for counting and paging lists at scale

Revision ID: 1900c0000001
Revises: 1900a0000001
Create Date: 2026-12-02 16:00:00.000000

"""
from alembic import op  # noqa: F401
import sqlalchemy as sa  # noqa: F401


# revision identifiers, used by Alembic.
revision = '1900c0000001'
down_revision = '1900a0000001'
branch_labels = None
depends_on = None


# (table, index, columns): the filter and sort columns that the paged lists and the dashboard's counts rely on.
INDEXES = [
    ("drill", "ix_drill_redrill_on", ["redrill_on"]),
    ("drill", "ix_drill_channel_unit_occurred", ["channel", "unit_observed", "occurred_at"]),
    ("corrective_action", "ix_corrective_action_status_due_date", ["status", "due_date"]),
    ("benchmark_note", "ix_benchmark_note_visited_on", ["visited_on"]),
    ("follow_up_case", "ix_follow_up_case_closed_on", ["closed_on"]),
]


def upgrade():
    for table, name, columns in INDEXES:
        op.create_index(name, table, columns, unique=False)


def downgrade():
    for table, name, _columns in reversed(INDEXES):
        op.drop_index(name, table_name=table)
