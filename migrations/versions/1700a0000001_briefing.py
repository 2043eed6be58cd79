"""briefing decks, slides, question bank and rehearsals

Revision ID: 1700a0000001
Revises: 1500a0000001
Create Date: 2026-12-02 16:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '1700a0000001'
down_revision = '1500a0000001'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('briefing_deck',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('award_cycle_id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=300), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['award_cycle_id'], ['award_cycle.id'], name=op.f('fk_briefing_deck_award_cycle_id_award_cycle'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_briefing_deck')),
    sa.UniqueConstraint('award_cycle_id', name=op.f('uq_briefing_deck_award_cycle_id'))
    )
    op.create_table('briefing_question',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('award_cycle_id', sa.Integer(), nullable=False),
    sa.Column('question', sa.Text(), nullable=False),
    sa.Column('model_answer', sa.Text(), nullable=False),
    sa.Column('answerer_id', sa.Integer(), nullable=True),
    sa.Column('item_ids', sa.JSON(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['answerer_id'], ['user.id'], name=op.f('fk_briefing_question_answerer_id_user'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['award_cycle_id'], ['award_cycle.id'], name=op.f('fk_briefing_question_award_cycle_id_award_cycle'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_briefing_question'))
    )
    with op.batch_alter_table('briefing_question', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_briefing_question_award_cycle_id'), ['award_cycle_id'], unique=False)

    op.create_table('briefing_question_session',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('award_cycle_id', sa.Integer(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['award_cycle_id'], ['award_cycle.id'], name=op.f('fk_briefing_question_session_award_cycle_id_award_cycle'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['created_by_id'], ['user.id'], name=op.f('fk_briefing_question_session_created_by_id_user'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_briefing_question_session'))
    )
    with op.batch_alter_table('briefing_question_session', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_briefing_question_session_award_cycle_id'), ['award_cycle_id'], unique=False)

    op.create_table('briefing_deck_rehearsal',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('deck_id', sa.Integer(), nullable=False),
    sa.Column('recorded_by_id', sa.Integer(), nullable=True),
    sa.Column('recorded_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('seconds', sa.JSON(), nullable=False),
    sa.Column('total_seconds', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['deck_id'], ['briefing_deck.id'], name=op.f('fk_briefing_deck_rehearsal_deck_id_briefing_deck'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['recorded_by_id'], ['user.id'], name=op.f('fk_briefing_deck_rehearsal_recorded_by_id_user'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_briefing_deck_rehearsal'))
    )
    with op.batch_alter_table('briefing_deck_rehearsal', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_briefing_deck_rehearsal_deck_id'), ['deck_id'], unique=False)

    op.create_table('briefing_deck_version',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('deck_id', sa.Integer(), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('options', sa.JSON(), nullable=False),
    sa.Column('slide_pages', sa.Integer(), nullable=False),
    sa.Column('notes_pages', sa.Integer(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('notes_sha256', sa.String(length=64), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('notes_size', sa.Integer(), nullable=False),
    sa.Column('stored_name', sa.String(length=64), nullable=False),
    sa.Column('status', sa.Enum('pending', 'running', 'done', 'failed', name='renderstatus', native_enum=False, length=20), nullable=False),
    sa.Column('progress', sa.Integer(), nullable=False),
    sa.Column('error', sa.String(length=300), nullable=False),
    sa.Column('started_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('job_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['created_by_id'], ['user.id'], name=op.f('fk_briefing_deck_version_created_by_id_user'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['deck_id'], ['briefing_deck.id'], name=op.f('fk_briefing_deck_version_deck_id_briefing_deck'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_briefing_deck_version')),
    sa.UniqueConstraint('deck_id', 'number', name='uq_briefing_deck_version_deck_id_number')
    )
    with op.batch_alter_table('briefing_deck_version', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_briefing_deck_version_deck_id'), ['deck_id'], unique=False)

    op.create_table('briefing_question_attempt',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('session_id', sa.Integer(), nullable=False),
    sa.Column('question_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('outcome', sa.Enum('confident', 'partly', 'could_not', name='outcome', native_enum=False, length=20), nullable=True),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('answered_by_id', sa.Integer(), nullable=True),
    sa.Column('recorded_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['answered_by_id'], ['user.id'], name=op.f('fk_briefing_question_attempt_answered_by_id_user'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['question_id'], ['briefing_question.id'], name=op.f('fk_briefing_question_attempt_question_id_briefing_question'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['session_id'], ['briefing_question_session.id'], name=op.f('fk_briefing_question_attempt_session_id_briefing_question_session'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_briefing_question_attempt'))
    )
    with op.batch_alter_table('briefing_question_attempt', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_briefing_question_attempt_question_id'), ['question_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_briefing_question_attempt_session_id'), ['session_id'], unique=False)

    op.create_table('briefing_slide',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('deck_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=50), nullable=False),
    sa.Column('title', sa.String(length=300), nullable=False),
    sa.Column('subtitle', sa.String(length=300), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('evidence_id', sa.Integer(), nullable=True),
    sa.Column('planned_seconds', sa.Integer(), nullable=False),
    sa.Column('notes', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['deck_id'], ['briefing_deck.id'], name=op.f('fk_briefing_slide_deck_id_briefing_deck'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['evidence_id'], ['evidence.id'], name=op.f('fk_briefing_slide_evidence_id_evidence'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_briefing_slide'))
    )
    with op.batch_alter_table('briefing_slide', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_briefing_slide_deck_id'), ['deck_id'], unique=False)

    op.create_table('briefing_task',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('question_id', sa.Integer(), nullable=False),
    sa.Column('attempt_id', sa.Integer(), nullable=True),
    sa.Column('title', sa.String(length=300), nullable=False),
    sa.Column('owner_id', sa.Integer(), nullable=True),
    sa.Column('due_date', sa.Date(), nullable=True),
    sa.Column('status', sa.Enum('open', 'done', name='taskstatus', native_enum=False, length=20), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['attempt_id'], ['briefing_question_attempt.id'], name=op.f('fk_briefing_task_attempt_id_briefing_question_attempt'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['owner_id'], ['user.id'], name=op.f('fk_briefing_task_owner_id_user'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['question_id'], ['briefing_question.id'], name=op.f('fk_briefing_task_question_id_briefing_question'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_briefing_task'))
    )
    with op.batch_alter_table('briefing_task', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_briefing_task_question_id'), ['question_id'], unique=False)

    with op.batch_alter_table('award_cycle', schema=None) as batch_op:
        batch_op.add_column(sa.Column('briefing_minutes', sa.Integer(), nullable=True))


def downgrade():
    with op.batch_alter_table('award_cycle', schema=None) as batch_op:
        batch_op.drop_column('briefing_minutes')

    with op.batch_alter_table('briefing_task', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_briefing_task_question_id'))

    op.drop_table('briefing_task')
    with op.batch_alter_table('briefing_slide', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_briefing_slide_deck_id'))

    op.drop_table('briefing_slide')
    with op.batch_alter_table('briefing_question_attempt', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_briefing_question_attempt_session_id'))
        batch_op.drop_index(batch_op.f('ix_briefing_question_attempt_question_id'))

    op.drop_table('briefing_question_attempt')
    with op.batch_alter_table('briefing_deck_version', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_briefing_deck_version_deck_id'))

    op.drop_table('briefing_deck_version')
    with op.batch_alter_table('briefing_deck_rehearsal', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_briefing_deck_rehearsal_deck_id'))

    op.drop_table('briefing_deck_rehearsal')
    with op.batch_alter_table('briefing_question_session', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_briefing_question_session_award_cycle_id'))

    op.drop_table('briefing_question_session')
    with op.batch_alter_table('briefing_question', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_briefing_question_award_cycle_id'))

    op.drop_table('briefing_question')
    op.drop_table('briefing_deck')
