"""award cycle period

Revision ID: c5ee51d8f791
Revises: 5508075db9c6
Create Date: 2026-12-03 10:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'c5ee51d8f791'
down_revision = '5508075db9c6'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('award_cycle', schema=None) as batch_op:
        batch_op.add_column(sa.Column('period_start', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('period_end', sa.Date(), nullable=True))


def downgrade():
    with op.batch_alter_table('award_cycle', schema=None) as batch_op:
        batch_op.drop_column('period_end')
        batch_op.drop_column('period_start')
