"""benchmarking register: peers, metrics, values, notes

Revision ID: 6f3a7ef906fb
Revises: 309197f1dc0d
Create Date: 2026-11-26 08:36:54.476441

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '6f3a7ef906fb'
down_revision = '309197f1dc0d'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('benchmark_metric',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name_zh', sa.String(length=200), nullable=False),
    sa.Column('name_en', sa.String(length=200), nullable=False),
    sa.Column('unit', sa.String(length=50), nullable=False),
    sa.Column('direction', sa.Enum('higher', 'lower', name='direction', native_enum=False, length=30), nullable=False),
    sa.Column('numerator_id', sa.Integer(), nullable=True),
    sa.Column('denominator_id', sa.Integer(), nullable=True),
    sa.Column('decimals', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['denominator_id'], ['benchmark_metric.id'], name=op.f('fk_benchmark_metric_denominator_id_benchmark_metric')),
    sa.ForeignKeyConstraint(['numerator_id'], ['benchmark_metric.id'], name=op.f('fk_benchmark_metric_numerator_id_benchmark_metric')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_benchmark_metric')),
    sa.UniqueConstraint('name_zh', name=op.f('uq_benchmark_metric_name_zh'))
    )
    op.create_table('peer_organization',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name_zh', sa.String(length=200), nullable=False),
    sa.Column('name_en', sa.String(length=200), nullable=False),
    sa.Column('city', sa.String(length=100), nullable=False),
    sa.Column('kind', sa.Enum('household_registration', 'public_service', 'private_company', name='peerkind', native_enum=False, length=30), nullable=False),
    sa.Column('notes', sa.Text(), nullable=False),
    sa.Column('is_self', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_peer_organization')),
    sa.UniqueConstraint('name_zh', name=op.f('uq_peer_organization_name_zh'))
    )
    op.create_table('benchmark_note',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('peer_id', sa.Integer(), nullable=True),
    sa.Column('title', sa.String(length=300), nullable=False),
    sa.Column('visited_on', sa.Date(), nullable=True),
    sa.Column('practice', sa.Text(), nullable=False),
    sa.Column('why_it_works', sa.Text(), nullable=False),
    sa.Column('decision', sa.Enum('adopt', 'adapt', 'not_for_us', 'to_study', name='decision', native_enum=False, length=30), nullable=False),
    sa.Column('decision_owner_id', sa.Integer(), nullable=True),
    sa.Column('decision_date', sa.Date(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['decision_owner_id'], ['user.id'], name=op.f('fk_benchmark_note_decision_owner_id_user'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['peer_id'], ['peer_organization.id'], name=op.f('fk_benchmark_note_peer_id_peer_organization'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_benchmark_note'))
    )
    op.create_table('metric_value',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('peer_id', sa.Integer(), nullable=False),
    sa.Column('metric_id', sa.Integer(), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('value', sa.Numeric(precision=18, scale=4), nullable=False),
    sa.Column('source', sa.String(length=500), nullable=False),
    sa.Column('source_date', sa.Date(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['metric_id'], ['benchmark_metric.id'], name=op.f('fk_metric_value_metric_id_benchmark_metric'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['peer_id'], ['peer_organization.id'], name=op.f('fk_metric_value_peer_id_peer_organization'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_metric_value')),
    sa.UniqueConstraint('peer_id', 'metric_id', 'year', name='uq_metric_value_peer_metric_year')
    )
    with op.batch_alter_table('metric_value', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_metric_value_metric_id'), ['metric_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_metric_value_peer_id'), ['peer_id'], unique=False)



def downgrade():
    with op.batch_alter_table('metric_value', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_metric_value_peer_id'))
        batch_op.drop_index(batch_op.f('ix_metric_value_metric_id'))

    op.drop_table('metric_value')
    op.drop_table('benchmark_note')
    op.drop_table('peer_organization')
    op.drop_table('benchmark_metric')
