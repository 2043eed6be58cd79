"""jobs: what a finished job leaves for the page that asked for it (an import's counts or its problems)

Revision ID: 1900d0000001
Revises: 1800c0000001
Create Date: 2026-12-03 14:40:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '1900d0000001'
down_revision = '1800c0000001'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('job', schema=None) as batch_op:
        batch_op.add_column(sa.Column('result', sa.JSON(), nullable=True))


def downgrade():
    with op.batch_alter_table('job', schema=None) as batch_op:
        batch_op.drop_column('result')
