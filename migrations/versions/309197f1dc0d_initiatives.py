"""SPARK initiatives, process improvements, outcome metrics

Revision ID: 309197f1dc0d
Revises: 2d03c6ddb837
Create Date: 2026-11-26 08:22:13.326338

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '309197f1dc0d'
down_revision = '2d03c6ddb837'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('spark_core',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name_zh', sa.String(length=200), nullable=False),
    sa.Column('name_en', sa.String(length=200), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_spark_core')),
    sa.UniqueConstraint('name_zh', name=op.f('uq_spark_core_name_zh'))
    )
    op.create_table('initiative',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('award_cycle_id', sa.Integer(), nullable=False),
    sa.Column('title_zh', sa.String(length=300), nullable=False),
    sa.Column('title_en', sa.String(length=300), nullable=False),
    sa.Column('core_id', sa.Integer(), nullable=True),
    sa.Column('summary', sa.Text(), nullable=False),
    sa.Column('problem', sa.Text(), nullable=False),
    sa.Column('what_changed', sa.Text(), nullable=False),
    sa.Column('owner_id', sa.Integer(), nullable=True),
    sa.Column('team', sa.Text(), nullable=False),
    sa.Column('start_date', sa.Date(), nullable=True),
    sa.Column('status', sa.Enum('idea', 'piloting', 'running', 'retired', name='initiativestatus', native_enum=False, length=20), nullable=False),
    sa.Column('first_in_nation', sa.Boolean(), nullable=False),
    sa.Column('first_in_nation_note', sa.Text(), nullable=False),
    sa.Column('partners', sa.Text(), nullable=False),
    sa.Column('channels', sa.JSON(), nullable=False),
    sa.Column('tags', sa.JSON(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['award_cycle_id'], ['award_cycle.id'], name=op.f('fk_initiative_award_cycle_id_award_cycle')),
    sa.ForeignKeyConstraint(['core_id'], ['spark_core.id'], name=op.f('fk_initiative_core_id_spark_core'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['owner_id'], ['user.id'], name=op.f('fk_initiative_owner_id_user'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_initiative'))
    )
    with op.batch_alter_table('initiative', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_initiative_award_cycle_id'), ['award_cycle_id'], unique=False)

    op.create_table('outcome_metric',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('initiative_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('unit', sa.String(length=50), nullable=False),
    sa.Column('observed_on', sa.Date(), nullable=False),
    sa.Column('value', sa.Numeric(precision=14, scale=2), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['initiative_id'], ['initiative.id'], name=op.f('fk_outcome_metric_initiative_id_initiative'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_outcome_metric'))
    )
    with op.batch_alter_table('outcome_metric', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_outcome_metric_initiative_id'), ['initiative_id'], unique=False)

    op.create_table('process_improvement',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('initiative_id', sa.Integer(), nullable=False),
    sa.Column('service', sa.String(length=300), nullable=False),
    sa.Column('before_value', sa.Numeric(precision=12, scale=2), nullable=False),
    sa.Column('before_unit', sa.Enum('on_the_spot', 'minutes', 'hours', 'days', name='timeunit', native_enum=False, length=20), nullable=False),
    sa.Column('after_value', sa.Numeric(precision=12, scale=2), nullable=False),
    sa.Column('after_unit', sa.Enum('on_the_spot', 'minutes', 'hours', 'days', name='timeunit', native_enum=False, length=20), nullable=False),
    sa.Column('stamps_before', sa.Integer(), nullable=True),
    sa.Column('stamps_after', sa.Integer(), nullable=True),
    sa.Column('yearly_cases', sa.Integer(), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('period_note', sa.String(length=300), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['initiative_id'], ['initiative.id'], name=op.f('fk_process_improvement_initiative_id_initiative'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_process_improvement'))
    )
    with op.batch_alter_table('process_improvement', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_process_improvement_initiative_id'), ['initiative_id'], unique=False)



def downgrade():
    with op.batch_alter_table('process_improvement', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_process_improvement_initiative_id'))

    op.drop_table('process_improvement')
    with op.batch_alter_table('outcome_metric', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_outcome_metric_initiative_id'))

    op.drop_table('outcome_metric')
    with op.batch_alter_table('initiative', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_initiative_award_cycle_id'))

    op.drop_table('initiative')
    op.drop_table('spark_core')
