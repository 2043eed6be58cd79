"""dossier

Revision ID: d9a7c3e10009
Revises: 678347b8661d
Create Date: 2026-11-26 10:14:24.497344

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'd9a7c3e10009'
down_revision = '678347b8661d'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('dossier',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('award_cycle_id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=300), nullable=False),
    sa.Column('foreword', sa.Text(), nullable=False),
    sa.Column('sections', sa.JSON(), nullable=False),
    sa.Column('appended_evidence_ids', sa.JSON(), nullable=False),
    sa.Column('page_limit', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['award_cycle_id'], ['award_cycle.id'], name=op.f('fk_dossier_award_cycle_id_award_cycle')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_dossier')),
    sa.UniqueConstraint('award_cycle_id', name=op.f('uq_dossier_award_cycle_id'))
    )
    op.create_table('dossier_version',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('dossier_id', sa.Integer(), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('options', sa.JSON(), nullable=False),
    sa.Column('status', sa.Enum('pending', 'running', 'done', 'failed', name='versionstatus', native_enum=False, length=20), nullable=False),
    sa.Column('progress', sa.Integer(), nullable=False),
    sa.Column('stage', sa.String(length=50), nullable=False),
    sa.Column('error', sa.Text(), nullable=False),
    sa.Column('page_count', sa.Integer(), nullable=True),
    sa.Column('total_pages', sa.Integer(), nullable=True),
    sa.Column('section_pages', sa.JSON(), nullable=False),
    sa.Column('warnings', sa.JSON(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('size', sa.Integer(), nullable=True),
    sa.Column('stored_name', sa.String(length=64), nullable=False),
    sa.Column('is_final', sa.Boolean(), nullable=False),
    sa.Column('finalized_by_id', sa.Integer(), nullable=True),
    sa.Column('finalized_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['created_by_id'], ['user.id'], name=op.f('fk_dossier_version_created_by_id_user'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['dossier_id'], ['dossier.id'], name=op.f('fk_dossier_version_dossier_id_dossier'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['finalized_by_id'], ['user.id'], name=op.f('fk_dossier_version_finalized_by_id_user'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_dossier_version')),
    sa.UniqueConstraint('dossier_id', 'number', name='uq_dossier_version_dossier_id_number')
    )
    with op.batch_alter_table('dossier_version', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_dossier_version_dossier_id'), ['dossier_id'], unique=False)

    # ### end Alembic commands ###


def downgrade():
    with op.batch_alter_table('dossier_version', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_dossier_version_dossier_id'))

    op.drop_table('dossier_version')
    op.drop_table('dossier')
    # ### end Alembic commands ###
