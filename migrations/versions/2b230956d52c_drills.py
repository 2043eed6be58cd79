"""mystery-shopper drills: scorecards, scenarios, drills, corrective actions, plans

Revision ID: 2b230956d52c
Revises: 6f3a7ef906fb
Create Date: 2026-11-26 08:48:14.752779

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '2b230956d52c'
down_revision = '6f3a7ef906fb'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('drill_plan',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('month', sa.Integer(), nullable=False),
    sa.Column('channel', sa.Enum('counter', 'phone', 'online', name='channel', native_enum=False, length=20), nullable=False),
    sa.Column('planned', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_drill_plan')),
    sa.UniqueConstraint('year', 'month', 'channel', name='uq_drill_plan_year_month_channel')
    )
    op.create_table('scenario',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('title_zh', sa.String(length=300), nullable=False),
    sa.Column('title_en', sa.String(length=300), nullable=False),
    sa.Column('channel', sa.Enum('counter', 'phone', 'online', name='channel', native_enum=False, length=20), nullable=False),
    sa.Column('request', sa.Text(), nullable=False),
    sa.Column('expected', sa.Text(), nullable=False),
    sa.Column('should_refuse', sa.Boolean(), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_scenario'))
    )
    op.create_table('scorecard',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=60), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('name_zh', sa.String(length=200), nullable=False),
    sa.Column('name_en', sa.String(length=200), nullable=False),
    sa.Column('channel', sa.Enum('counter', 'phone', 'online', name='channel', native_enum=False, length=20), nullable=False),
    sa.Column('description_zh', sa.Text(), nullable=False),
    sa.Column('description_en', sa.Text(), nullable=False),
    sa.Column('bands', sa.JSON(), nullable=False),
    sa.Column('source_text', sa.Text(), nullable=False),
    sa.Column('content_sha256', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_scorecard')),
    sa.UniqueConstraint('key', 'version', name='uq_scorecard_key_version')
    )
    with op.batch_alter_table('scorecard', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_scorecard_key'), ['key'], unique=False)

    op.create_table('drill',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('occurred_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('channel', sa.Enum('counter', 'phone', 'online', name='channel', native_enum=False, length=20), nullable=False),
    sa.Column('scenario_id', sa.Integer(), nullable=True),
    sa.Column('scorecard_id', sa.Integer(), nullable=False),
    sa.Column('shopper_id', sa.Integer(), nullable=True),
    sa.Column('shopper_name', sa.String(length=120), nullable=False),
    sa.Column('unit_observed', sa.String(length=200), nullable=False),
    sa.Column('staff_names', sa.String(length=300), nullable=False),
    sa.Column('waiting_minutes', sa.Numeric(precision=8, scale=1), nullable=True),
    sa.Column('handling_minutes', sa.Numeric(precision=8, scale=1), nullable=True),
    sa.Column('comments', sa.Text(), nullable=False),
    sa.Column('total_pct', sa.Numeric(precision=6, scale=2), nullable=True),
    sa.Column('rating', sa.String(length=30), nullable=False),
    sa.Column('critical_failed', sa.Boolean(), nullable=False),
    sa.Column('redrill_on', sa.Date(), nullable=True),
    sa.Column('author_id', sa.Integer(), nullable=True),
    sa.Column('reviewed_by_id', sa.Integer(), nullable=True),
    sa.Column('reviewed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['author_id'], ['user.id'], name=op.f('fk_drill_author_id_user'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['reviewed_by_id'], ['user.id'], name=op.f('fk_drill_reviewed_by_id_user'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['scenario_id'], ['scenario.id'], name=op.f('fk_drill_scenario_id_scenario'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['scorecard_id'], ['scorecard.id'], name=op.f('fk_drill_scorecard_id_scorecard')),
    sa.ForeignKeyConstraint(['shopper_id'], ['user.id'], name=op.f('fk_drill_shopper_id_user'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_drill'))
    )
    with op.batch_alter_table('drill', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_drill_occurred_at'), ['occurred_at'], unique=False)

    op.create_table('scorecard_section',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('scorecard_id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=30), nullable=False),
    sa.Column('name_zh', sa.String(length=200), nullable=False),
    sa.Column('name_en', sa.String(length=200), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['scorecard_id'], ['scorecard.id'], name=op.f('fk_scorecard_section_scorecard_id_scorecard'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_scorecard_section'))
    )
    with op.batch_alter_table('scorecard_section', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_scorecard_section_scorecard_id'), ['scorecard_id'], unique=False)

    op.create_table('scorecard_criterion',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('section_id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=30), nullable=False),
    sa.Column('text_zh', sa.String(length=500), nullable=False),
    sa.Column('text_en', sa.String(length=500), nullable=False),
    sa.Column('scale', sa.Enum('yes_no', 'one_to_five', 'points', name='scalekind', native_enum=False, length=20), nullable=False),
    sa.Column('weight', sa.Numeric(precision=8, scale=2), nullable=False),
    sa.Column('max_points', sa.Numeric(precision=8, scale=2), nullable=True),
    sa.Column('critical', sa.Boolean(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['section_id'], ['scorecard_section.id'], name=op.f('fk_scorecard_criterion_section_id_scorecard_section'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_scorecard_criterion'))
    )
    with op.batch_alter_table('scorecard_criterion', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_scorecard_criterion_section_id'), ['section_id'], unique=False)

    op.create_table('corrective_action',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('drill_id', sa.Integer(), nullable=True),
    sa.Column('criterion_id', sa.Integer(), nullable=True),
    sa.Column('title', sa.String(length=300), nullable=False),
    sa.Column('owner_id', sa.Integer(), nullable=True),
    sa.Column('due_date', sa.Date(), nullable=True),
    sa.Column('root_cause', sa.Text(), nullable=False),
    sa.Column('action_taken', sa.Text(), nullable=False),
    sa.Column('status', sa.Enum('open', 'done', 'verified', 'reopened', name='actionstatus', native_enum=False, length=20), nullable=False),
    sa.Column('done_by_id', sa.Integer(), nullable=True),
    sa.Column('done_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('verified_by_id', sa.Integer(), nullable=True),
    sa.Column('verified_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('effectiveness_check', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['criterion_id'], ['scorecard_criterion.id'], name=op.f('fk_corrective_action_criterion_id_scorecard_criterion'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['done_by_id'], ['user.id'], name=op.f('fk_corrective_action_done_by_id_user'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['drill_id'], ['drill.id'], name=op.f('fk_corrective_action_drill_id_drill'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['owner_id'], ['user.id'], name=op.f('fk_corrective_action_owner_id_user'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['verified_by_id'], ['user.id'], name=op.f('fk_corrective_action_verified_by_id_user'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_corrective_action'))
    )
    with op.batch_alter_table('corrective_action', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_corrective_action_drill_id'), ['drill_id'], unique=False)

    op.create_table('drill_score',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('drill_id', sa.Integer(), nullable=False),
    sa.Column('criterion_id', sa.Integer(), nullable=False),
    sa.Column('value', sa.Numeric(precision=8, scale=2), nullable=True),
    sa.Column('remark', sa.String(length=500), nullable=False),
    sa.ForeignKeyConstraint(['criterion_id'], ['scorecard_criterion.id'], name=op.f('fk_drill_score_criterion_id_scorecard_criterion')),
    sa.ForeignKeyConstraint(['drill_id'], ['drill.id'], name=op.f('fk_drill_score_drill_id_drill'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_drill_score')),
    sa.UniqueConstraint('drill_id', 'criterion_id', name='uq_drill_score_drill_criterion')
    )
    with op.batch_alter_table('drill_score', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_drill_score_drill_id'), ['drill_id'], unique=False)



def downgrade():
    with op.batch_alter_table('drill_score', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_drill_score_drill_id'))

    op.drop_table('drill_score')
    with op.batch_alter_table('corrective_action', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_corrective_action_drill_id'))

    op.drop_table('corrective_action')
    with op.batch_alter_table('scorecard_criterion', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_scorecard_criterion_section_id'))

    op.drop_table('scorecard_criterion')
    with op.batch_alter_table('scorecard_section', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_scorecard_section_scorecard_id'))

    op.drop_table('scorecard_section')
    with op.batch_alter_table('drill', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_drill_occurred_at'))

    op.drop_table('drill')
    with op.batch_alter_table('scorecard', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_scorecard_key'))

    op.drop_table('scorecard')
    op.drop_table('scenario')
    op.drop_table('drill_plan')
