"""reminders: the mail outbox log and calendar-feed tokens

Revision ID: 1800c0000001
Revises: 1800b0000001
Create Date: 2026-12-02 22:30:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '1800c0000001'
down_revision = '1800b0000001'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'mail_message',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('to_address', sa.String(length=254), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=True),
        sa.Column('kind', sa.Enum('notice', 'digest', 'test', name='mailkind', native_enum=False, length=20),
                  nullable=False),
        sa.Column('subject', sa.String(length=300), nullable=False),
        sa.Column('status', sa.Enum('queued', 'sent', 'written', 'failed', name='mailstatus', native_enum=False,
                                    length=20), nullable=False),
        sa.Column('attempts', sa.Integer(), nullable=False),
        sa.Column('error', sa.String(length=300), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('sent_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('stored_name', sa.String(length=64), nullable=False),
        sa.Column('digest_day', sa.Date(), nullable=True),
        sa.Column('frequency', sa.String(length=20), nullable=True),
        sa.ForeignKeyConstraint(['user_id'], ['user.id'], name=op.f('fk_mail_message_user_id_user'),
                                ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_mail_message')),
        sa.UniqueConstraint('user_id', 'digest_day', 'frequency', name='uq_mail_message_digest'),
    )
    with op.batch_alter_table('mail_message', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_mail_message_created_at'), ['created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_mail_message_status'), ['status'], unique=False)
        batch_op.create_index(batch_op.f('ix_mail_message_user_id'), ['user_id'], unique=False)

    op.create_table(
        'calendar_token',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.Enum('mine', 'cycle', name='calendarkind', native_enum=False, length=20),
                  nullable=False),
        sa.Column('token_hash', sa.String(length=64), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('revoked_at', sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(['user_id'], ['user.id'], name=op.f('fk_calendar_token_user_id_user'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_calendar_token')),
        sa.UniqueConstraint('token_hash', name=op.f('uq_calendar_token_token_hash')),
    )
    with op.batch_alter_table('calendar_token', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_calendar_token_user_id'), ['user_id'], unique=False)


def downgrade():
    with op.batch_alter_table('calendar_token', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_calendar_token_user_id'))
    op.drop_table('calendar_token')
    with op.batch_alter_table('mail_message', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_mail_message_user_id'))
        batch_op.drop_index(batch_op.f('ix_mail_message_status'))
        batch_op.drop_index(batch_op.f('ix_mail_message_created_at'))
    op.drop_table('mail_message')
