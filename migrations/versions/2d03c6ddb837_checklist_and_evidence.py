"""checklist and evidence: frameworks, assessments, items, evidence

Revision ID: 2d03c6ddb837
Revises: b3bdc2a1ce31
Create Date: 2026-11-26 08:18:02.938167

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '2d03c6ddb837'
down_revision = 'b3bdc2a1ce31'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('evidence',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('subject_type', sa.String(length=50), nullable=False),
    sa.Column('subject_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.Enum('file', 'link', 'record', name='evidencekind', native_enum=False, length=20), nullable=False),
    sa.Column('title', sa.String(length=300), nullable=False),
    sa.Column('url', sa.String(length=2000), nullable=False),
    sa.Column('record_type', sa.String(length=50), nullable=False),
    sa.Column('record_id', sa.Integer(), nullable=True),
    sa.Column('stored_name', sa.String(length=64), nullable=False),
    sa.Column('original_name', sa.String(length=255), nullable=False),
    sa.Column('content_type', sa.String(length=100), nullable=False),
    sa.Column('size', sa.Integer(), nullable=True),
    sa.Column('expires_on', sa.Date(), nullable=True),
    sa.Column('added_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['added_by_id'], ['user.id'], name=op.f('fk_evidence_added_by_id_user'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_evidence'))
    )
    with op.batch_alter_table('evidence', schema=None) as batch_op:
        batch_op.create_index('ix_evidence_record', ['record_type', 'record_id'], unique=False)
        batch_op.create_index('ix_evidence_subject', ['subject_type', 'subject_id'], unique=False)

    op.create_table('framework',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=60), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('edition', sa.String(length=100), nullable=False),
    sa.Column('name_zh', sa.String(length=200), nullable=False),
    sa.Column('name_en', sa.String(length=200), nullable=False),
    sa.Column('description_zh', sa.Text(), nullable=False),
    sa.Column('description_en', sa.Text(), nullable=False),
    sa.Column('scale', sa.Enum('percent', 'baldrige', 'efqm', name='scale', native_enum=False, length=20), nullable=False),
    sa.Column('points_add_up', sa.Boolean(), nullable=False),
    sa.Column('total_points', sa.Numeric(precision=10, scale=2), nullable=False),
    sa.Column('points_note_zh', sa.Text(), nullable=False),
    sa.Column('points_note_en', sa.Text(), nullable=False),
    sa.Column('source_name', sa.String(length=200), nullable=False),
    sa.Column('source_text', sa.Text(), nullable=False),
    sa.Column('content_sha256', sa.String(length=64), nullable=False),
    sa.Column('imported_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['imported_by_id'], ['user.id'], name=op.f('fk_framework_imported_by_id_user'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_framework')),
    sa.UniqueConstraint('key', 'version', name='uq_framework_key_version')
    )
    with op.batch_alter_table('framework', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_framework_key'), ['key'], unique=False)

    op.create_table('assessment',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('award_cycle_id', sa.Integer(), nullable=False),
    sa.Column('framework_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['award_cycle_id'], ['award_cycle.id'], name=op.f('fk_assessment_award_cycle_id_award_cycle')),
    sa.ForeignKeyConstraint(['framework_id'], ['framework.id'], name=op.f('fk_assessment_framework_id_framework')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_assessment')),
    sa.UniqueConstraint('award_cycle_id', 'framework_id', name='uq_assessment_cycle_framework')
    )
    with op.batch_alter_table('assessment', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_assessment_award_cycle_id'), ['award_cycle_id'], unique=False)

    op.create_table('framework_node',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('framework_id', sa.Integer(), nullable=False),
    sa.Column('parent_id', sa.Integer(), nullable=True),
    sa.Column('code', sa.String(length=30), nullable=False),
    sa.Column('name_zh', sa.String(length=300), nullable=False),
    sa.Column('name_en', sa.String(length=300), nullable=False),
    sa.Column('guidance_zh', sa.Text(), nullable=False),
    sa.Column('guidance_en', sa.Text(), nullable=False),
    sa.Column('points', sa.Numeric(precision=10, scale=2), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('depth', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['framework_id'], ['framework.id'], name=op.f('fk_framework_node_framework_id_framework'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['parent_id'], ['framework_node.id'], name=op.f('fk_framework_node_parent_id_framework_node'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_framework_node')),
    sa.UniqueConstraint('framework_id', 'code', name='uq_framework_node_framework_id_code')
    )
    with op.batch_alter_table('framework_node', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_framework_node_framework_id'), ['framework_id'], unique=False)

    op.create_table('assessment_item',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('assessment_id', sa.Integer(), nullable=False),
    sa.Column('node_id', sa.Integer(), nullable=False),
    sa.Column('owner_id', sa.Integer(), nullable=True),
    sa.Column('due_date', sa.Date(), nullable=True),
    sa.Column('status', sa.Enum('not_started', 'in_progress', 'in_review', 'ready', name='itemstatus', native_enum=False, length=20), nullable=False),
    sa.Column('score', sa.Integer(), nullable=True),
    sa.Column('target_score', sa.Integer(), nullable=True),
    sa.Column('narrative', sa.Text(), nullable=False),
    sa.Column('strengths', sa.Text(), nullable=False),
    sa.Column('opportunities', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['assessment_id'], ['assessment.id'], name=op.f('fk_assessment_item_assessment_id_assessment'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['node_id'], ['framework_node.id'], name=op.f('fk_assessment_item_node_id_framework_node')),
    sa.ForeignKeyConstraint(['owner_id'], ['user.id'], name=op.f('fk_assessment_item_owner_id_user'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_assessment_item')),
    sa.UniqueConstraint('assessment_id', 'node_id', name='uq_assessment_item_assessment_id_node')
    )
    with op.batch_alter_table('assessment_item', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_assessment_item_assessment_id'), ['assessment_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_assessment_item_owner_id'), ['owner_id'], unique=False)



def downgrade():
    with op.batch_alter_table('assessment_item', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_assessment_item_owner_id'))
        batch_op.drop_index(batch_op.f('ix_assessment_item_assessment_id'))

    op.drop_table('assessment_item')
    with op.batch_alter_table('framework_node', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_framework_node_framework_id'))

    op.drop_table('framework_node')
    with op.batch_alter_table('assessment', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_assessment_award_cycle_id'))

    op.drop_table('assessment')
    with op.batch_alter_table('framework', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_framework_key'))

    op.drop_table('framework')
    with op.batch_alter_table('evidence', schema=None) as batch_op:
        batch_op.drop_index('ix_evidence_subject')
        batch_op.drop_index('ix_evidence_record')

    op.drop_table('evidence')
