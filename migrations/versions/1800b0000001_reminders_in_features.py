"""reminders in features: unit supervisors for corrective actions

Revision ID: 1800b0000001
Revises: 1800a0000001
Create Date: 2026-12-02 22:30:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '1800b0000001'
down_revision = '1800a0000001'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('unit_supervisor',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('unit', sa.String(length=200), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['user.id'], name=op.f('fk_unit_supervisor_user_id_user'),
                            ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_unit_supervisor')),
    sa.UniqueConstraint('unit', name=op.f('uq_unit_supervisor_unit'))
    )
    with op.batch_alter_table('corrective_action', schema=None) as batch_op:
        batch_op.add_column(sa.Column('finding', sa.Text(), server_default='', nullable=False))


def downgrade():
    with op.batch_alter_table('corrective_action', schema=None) as batch_op:
        batch_op.drop_column('finding')
    op.drop_table('unit_supervisor')
