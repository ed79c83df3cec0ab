"""status history: every status change of a measure with its date"""

from alembic import op
import sqlalchemy as sa


revision = '0002_status_history'
down_revision = '0001_base'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('status_change',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('measure_id', sa.Integer(), nullable=False),
    sa.Column('changed_at', sa.DateTime(), nullable=False),
    sa.Column('old_status', sa.String(length=20), nullable=True),
    sa.Column('new_status', sa.String(length=20), nullable=True),
    sa.ForeignKeyConstraint(['measure_id'], ['measure.id'], name=op.f('fk_status_change_measure_id_measure'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_status_change'))
    )
    with op.batch_alter_table('status_change', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_status_change_measure_id'), ['measure_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('status_change', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_status_change_measure_id'))
    op.drop_table('status_change')
