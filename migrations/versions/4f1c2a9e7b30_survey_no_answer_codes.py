"""survey: answer codes that mean no answer

Revision ID: 4f1c2a9e7b30
Revises: 38880da266a5
Create Date: 2026-12-02 14:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '4f1c2a9e7b30'
down_revision = '38880da266a5'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('survey', schema=None) as batch_op:
        batch_op.add_column(sa.Column('no_answer', sa.JSON(), nullable=False, server_default='[]'))


def downgrade():
    with op.batch_alter_table('survey', schema=None) as batch_op:
        batch_op.drop_column('no_answer')
