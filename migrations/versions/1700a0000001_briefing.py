"""briefing decks, slides, question bank and rehearsals

Revision ID: 1700a0000001
Revises: 1500a0000001
Create Date: 2026-12-02 16:00:00.000000

"""
from alembic import op  # noqa: F401
import sqlalchemy as sa  # noqa: F401


# revision identifiers, used by Alembic.
revision = '1700a0000001'
down_revision = '1500a0000001'
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
