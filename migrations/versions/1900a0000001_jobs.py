"""jobs: background job state and failures

Revision ID: 1900a0000001
Revises: 4f1c2a9e7b30
Create Date: 2026-12-02 16:00:00.000000

"""
from alembic import op  # noqa: F401
import sqlalchemy as sa  # noqa: F401


# revision identifiers, used by Alembic.
revision = '1900a0000001'
down_revision = '4f1c2a9e7b30'
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
