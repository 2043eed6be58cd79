"""notifications: inbox, digest preferences, reminder schedule (the mail outbox and calendar tokens are in 1800c0000001)

Revision ID: 1800a0000001
Revises: 1700a0000001
Create Date: 2026-12-02 22:30:00.000000

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '1800a0000001'
down_revision = '1700a0000001'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('notification',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('source', sa.String(length=100), nullable=False),
    sa.Column('record_type', sa.String(length=50), nullable=False),
    sa.Column('record_id', sa.Integer(), nullable=False),
    sa.Column('stage', sa.String(length=30), nullable=False),
    sa.Column('kind', sa.Enum('assigned', 'due_soon', 'overdue', 'verify', 'expiring', name='notificationkind',
                              native_enum=False, length=20), nullable=False),
    sa.Column('title', sa.String(length=300), nullable=False),
    sa.Column('url', sa.String(length=500), nullable=False),
    sa.Column('due', sa.Date(), nullable=True),
    sa.Column('dedupe_key', sa.String(length=255), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('read_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['user.id'], name=op.f('fk_notification_user_id_user'),
                            ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_notification')),
    sa.UniqueConstraint('user_id', 'dedupe_key', name='uq_notification_user_id_dedupe_key')
    )
    with op.batch_alter_table('notification', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_notification_user_id'), ['user_id'], unique=False)

    op.create_table('notification_preference',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('digest', sa.Enum('none', 'daily', 'weekly', name='digest', native_enum=False, length=20),
              nullable=False),
    sa.Column('immediate_mail', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['user.id'], name=op.f('fk_notification_preference_user_id_user'),
                            ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_notification_preference')),
    sa.UniqueConstraint('user_id', name=op.f('uq_notification_preference_user_id'))
    )
    op.create_table('reminder_schedule',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('digest_hour', sa.Integer(), nullable=False),
    sa.Column('weekly_day', sa.Integer(), nullable=False),
    sa.Column('last_daily_run', sa.Date(), nullable=True),
    sa.Column('last_weekly_run', sa.Date(), nullable=True),
    sa.Column('last_scan_at', sa.DateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_reminder_schedule'))
    )


def downgrade():
    op.drop_table('reminder_schedule')
    op.drop_table('notification_preference')
    with op.batch_alter_table('notification', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_notification_user_id'))

    op.drop_table('notification')
