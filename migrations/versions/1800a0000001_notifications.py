"""notifications: inbox, mail outbox, digest preferences, calendar tokens, schedule

Revision ID: 1800a0000001
Revises: 1700a0000001
Create Date: 2026-12-02 22:30:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '1800a0000001'
down_revision = '1700a0000001'
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
