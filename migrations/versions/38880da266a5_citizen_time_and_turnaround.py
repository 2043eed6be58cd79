"""process improvements: citizen time spent and turnaround as two pairs

A time-spent unit of days used to count as 8 working hours, turning an elapsed wait into citizen hours. Turnaround
(elapsed days until the citizen has the result) gets its own before/after pair; a row that had days on either side
moves into it (the other side in days: on the spot is 0, minutes and hours as fractions of a day), and its
time-spent pair is left empty, as the source did not give the citizen's own time. Either pair may now be empty.

Revision ID: 38880da266a5
Revises: c5ee51d8f791
Create Date: 2026-12-03 12:00:00.000000

"""
from decimal import ROUND_HALF_UP, Decimal

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '38880da266a5'
down_revision = 'c5ee51d8f791'
branch_labels = None
depends_on = None

TIME_UNIT = sa.Enum('on_the_spot', 'minutes', 'hours', 'days', name='timeunit', native_enum=False, length=20)
DAYS_PER = {'on_the_spot': Decimal(0), 'minutes': Decimal(1) / 1440, 'hours': Decimal(1) / 24, 'days': Decimal(1)}

improvement = sa.table(
    'process_improvement', sa.column('id', sa.Integer()),
    sa.column('before_value', sa.Numeric(12, 2)), sa.column('before_unit', sa.String(20)),
    sa.column('after_value', sa.Numeric(12, 2)), sa.column('after_unit', sa.String(20)),
    sa.column('turnaround_before_days', sa.Numeric(8, 2)), sa.column('turnaround_after_days', sa.Numeric(8, 2)))


def _days(value, unit) -> Decimal:
    days = Decimal(str(value or 0)) * DAYS_PER[unit] if unit != 'on_the_spot' else Decimal(0)
    return days.quantize(Decimal('0.01'), rounding=ROUND_HALF_UP)


def _make_nullable(nullable: bool) -> None:
    with op.batch_alter_table('process_improvement', schema=None) as batch_op:
        for side in ('before', 'after'):
            batch_op.alter_column(f'{side}_value', existing_type=sa.Numeric(12, 2), nullable=nullable)
            batch_op.alter_column(f'{side}_unit', existing_type=TIME_UNIT, nullable=nullable)


def upgrade():
    with op.batch_alter_table('process_improvement', schema=None) as batch_op:
        batch_op.add_column(sa.Column('turnaround_before_days', sa.Numeric(precision=8, scale=2), nullable=True))
        batch_op.add_column(sa.Column('turnaround_after_days', sa.Numeric(precision=8, scale=2), nullable=True))
    _make_nullable(True)
    connection = op.get_bind()
    rows = connection.execute(sa.select(improvement).where(
        sa.or_(improvement.c.before_unit == 'days', improvement.c.after_unit == 'days'))).all()
    for row in rows:
        connection.execute(improvement.update().where(improvement.c.id == row.id).values(
            turnaround_before_days=_days(row.before_value, row.before_unit),
            turnaround_after_days=_days(row.after_value, row.after_unit),
            before_value=None, before_unit=None, after_value=None, after_unit=None))


def downgrade():
    # The old schema has one pair: a row with only turnaround gets it back in days (0 as on the spot); a row with
    # both keeps its time spent, and its turnaround is lost.
    connection = op.get_bind()
    rows = connection.execute(sa.select(improvement).where(improvement.c.before_unit.is_(None))).all()
    for row in rows:
        values = {}
        for side in ('before', 'after'):
            days = Decimal(str(getattr(row, f'turnaround_{side}_days') or 0))
            values[f'{side}_value'] = days
            values[f'{side}_unit'] = 'days' if days else 'on_the_spot'
        connection.execute(improvement.update().where(improvement.c.id == row.id).values(**values))
    with op.batch_alter_table('process_improvement', schema=None) as batch_op:
        batch_op.drop_column('turnaround_after_days')
        batch_op.drop_column('turnaround_before_days')
    _make_nullable(False)
