"""indicators with measured values; snapshots (Berichtsstände) that cannot be edited"""

from alembic import op
import sqlalchemy as sa


revision = '0005_indicators'
down_revision = '0004_working_groups'
branch_labels = None
depends_on = None

FROZEN = ("snapshot", "snapshot_measure", "snapshot_indicator")


def upgrade() -> None:
    op.create_table(
        'indicator',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('uid', sa.String(length=32), nullable=False),
        sa.Column('goal_id', sa.Integer(), nullable=True),
        sa.Column('measure_id', sa.Integer(), nullable=True),
        sa.Column('position', sa.Integer(), nullable=False),
        sa.Column('name', sa.Text(), nullable=False),
        sa.Column('unit', sa.Text(), nullable=False),
        sa.Column('baseline_value', sa.Float(), nullable=True),
        sa.Column('baseline_date', sa.Text(), nullable=False),
        sa.Column('target_value', sa.Float(), nullable=True),
        sa.Column('target_date', sa.Text(), nullable=False),
        sa.Column('direction', sa.String(length=10), nullable=False),
        sa.Column('measured_by', sa.Text(), nullable=False),
        sa.Column('notes', sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(['goal_id'], ['goal.id'], name=op.f('fk_indicator_goal_id_goal'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['measure_id'], ['measure.id'], name=op.f('fk_indicator_measure_id_measure'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_indicator')),
        sa.UniqueConstraint('uid', name=op.f('uq_indicator_uid')),
    )
    with op.batch_alter_table('indicator', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_indicator_goal_id'), ['goal_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_indicator_measure_id'), ['measure_id'], unique=False)

    op.create_table(
        'indicator_value',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('indicator_id', sa.Integer(), nullable=False),
        sa.Column('year', sa.Integer(), nullable=False),
        sa.Column('month', sa.Integer(), nullable=False),
        sa.Column('value', sa.Float(), nullable=False),
        sa.Column('source', sa.Text(), nullable=False),
        sa.Column('note', sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(['indicator_id'], ['indicator.id'], name=op.f('fk_indicator_value_indicator_id_indicator'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_indicator_value')),
        sa.UniqueConstraint('indicator_id', 'year', 'month', name='uq_indicator_value_month'),
    )
    with op.batch_alter_table('indicator_value', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_indicator_value_indicator_id'), ['indicator_id'], unique=False)

    op.create_table(
        'snapshot',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('label', sa.Text(), nullable=False),
        sa.Column('date', sa.Date(), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_snapshot')),
        sa.UniqueConstraint('label', name=op.f('uq_snapshot_label')),
    )
    op.create_table(
        'snapshot_measure',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('snapshot_id', sa.Integer(), nullable=False),
        sa.Column('uid', sa.String(length=32), nullable=False),
        sa.Column('number', sa.Text(), nullable=False),
        sa.Column('title', sa.Text(), nullable=False),
        sa.Column('field_number', sa.Text(), nullable=False),
        sa.Column('field_name', sa.Text(), nullable=False),
        sa.Column('status_key', sa.String(length=20), nullable=True),
        sa.Column('start', sa.Text(), nullable=False),
        sa.Column('end', sa.Text(), nullable=False),
        sa.Column('responsible', sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(['snapshot_id'], ['snapshot.id'], name=op.f('fk_snapshot_measure_snapshot_id_snapshot'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_snapshot_measure')),
    )
    with op.batch_alter_table('snapshot_measure', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_snapshot_measure_snapshot_id'), ['snapshot_id'], unique=False)
    op.create_table(
        'snapshot_indicator',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('snapshot_id', sa.Integer(), nullable=False),
        sa.Column('uid', sa.String(length=32), nullable=False),
        sa.Column('owner_number', sa.Text(), nullable=False),
        sa.Column('name', sa.Text(), nullable=False),
        sa.Column('unit', sa.Text(), nullable=False),
        sa.Column('target_value', sa.Float(), nullable=True),
        sa.Column('value', sa.Float(), nullable=True),
        sa.Column('value_date', sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(['snapshot_id'], ['snapshot.id'], name=op.f('fk_snapshot_indicator_snapshot_id_snapshot'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_snapshot_indicator')),
    )
    with op.batch_alter_table('snapshot_indicator', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_snapshot_indicator_snapshot_id'), ['snapshot_id'], unique=False)
    # A frozen reporting date cannot be edited, only deleted (SQLite triggers; other back ends skip).
    if op.get_bind().dialect.name == 'sqlite':
        for table in FROZEN:
            op.execute(
                f"CREATE TRIGGER {table}_frozen BEFORE UPDATE ON {table} "
                "BEGIN SELECT RAISE(ABORT, 'Ein Berichtsstand kann nicht geändert werden.'); END"
            )


def downgrade() -> None:
    if op.get_bind().dialect.name == 'sqlite':
        for table in FROZEN:
            op.execute(f"DROP TRIGGER IF EXISTS {table}_frozen")
    for table in ('snapshot_indicator', 'snapshot_measure', 'snapshot', 'indicator_value', 'indicator'):
        op.drop_table(table)
