"""publications archive and search queue

Revision ID: 678347b8661d
Revises: 7115154f81b2
Create Date: 2026-11-26 10:15:59.199456

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '678347b8661d'
down_revision = '7115154f81b2'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('search_queue',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('record_type', sa.String(length=50), nullable=False),
    sa.Column('record_id', sa.Integer(), nullable=False),
    sa.Column('queued_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('done', sa.Boolean(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_search_queue'))
    )
    with op.batch_alter_table('search_queue', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_search_queue_done'), ['done'], unique=False)

    op.create_table('publication',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=300), nullable=False),
    sa.Column('subtitle', sa.String(length=300), nullable=False),
    sa.Column('kind', sa.Enum('research_report', 'handbook', 'book', 'periodical', 'brochure', 'collection_item', 'other', name='publicationkind', native_enum=False, length=30), nullable=False),
    sa.Column('authors', sa.String(length=500), nullable=False),
    sa.Column('publisher', sa.String(length=300), nullable=False),
    sa.Column('year', sa.Integer(), nullable=True),
    sa.Column('edition', sa.String(length=100), nullable=False),
    sa.Column('language', sa.String(length=20), nullable=False),
    sa.Column('gpn', sa.String(length=10), nullable=True),
    sa.Column('isbn', sa.String(length=13), nullable=True),
    sa.Column('isbn10', sa.String(length=10), nullable=True),
    sa.Column('series', sa.String(length=300), nullable=False),
    sa.Column('pages', sa.Integer(), nullable=True),
    sa.Column('abstract', sa.Text(), nullable=False),
    sa.Column('keywords', sa.JSON(), nullable=False),
    sa.Column('subjects', sa.JSON(), nullable=False),
    sa.Column('public', sa.Boolean(), nullable=False),
    sa.Column('cover_name', sa.String(length=64), nullable=True),
    sa.Column('cover_type', sa.String(length=100), nullable=True),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['created_by_id'], ['user.id'], name=op.f('fk_publication_created_by_id_user'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_publication')),
    sa.UniqueConstraint('gpn', name=op.f('uq_publication_gpn')),
    sa.UniqueConstraint('isbn', name=op.f('uq_publication_isbn'))
    )
    op.create_table('publication_file',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('publication_id', sa.Integer(), nullable=False),
    sa.Column('stored_name', sa.String(length=64), nullable=False),
    sa.Column('original_name', sa.String(length=255), nullable=False),
    sa.Column('content_type', sa.String(length=100), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('text_status', sa.Enum('ok', 'no_text', name='textstatus', native_enum=False, length=20), nullable=False),
    sa.Column('public', sa.Boolean(), nullable=False),
    sa.Column('uploaded_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['publication_id'], ['publication.id'], name=op.f('fk_publication_file_publication_id_publication'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['uploaded_by_id'], ['user.id'], name=op.f('fk_publication_file_uploaded_by_id_user'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_publication_file'))
    )
    with op.batch_alter_table('publication_file', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_publication_file_publication_id'), ['publication_id'], unique=False)

    op.create_table('publication_holding',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('publication_id', sa.Integer(), nullable=False),
    sa.Column('library', sa.String(length=200), nullable=False),
    sa.Column('call_number', sa.String(length=100), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['publication_id'], ['publication.id'], name=op.f('fk_publication_holding_publication_id_publication'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_publication_holding'))
    )
    with op.batch_alter_table('publication_holding', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_publication_holding_publication_id'), ['publication_id'], unique=False)

    with op.batch_alter_table('organization', schema=None) as batch_op:
        batch_op.add_column(sa.Column('public_catalogue', sa.Boolean(), nullable=False, server_default=sa.false()))

    # ### end Alembic commands ###


def downgrade():
    with op.batch_alter_table('organization', schema=None) as batch_op:
        batch_op.drop_column('public_catalogue')

    with op.batch_alter_table('publication_holding', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_publication_holding_publication_id'))

    op.drop_table('publication_holding')
    with op.batch_alter_table('publication_file', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_publication_file_publication_id'))

    op.drop_table('publication_file')
    op.drop_table('publication')
    with op.batch_alter_table('search_queue', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_search_queue_done'))

    op.drop_table('search_queue')
    # ### end Alembic commands ###
