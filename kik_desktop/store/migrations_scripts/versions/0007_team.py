"""team database: row versions (optimistic locking), author of status changes, change log"""

from alembic import op
import sqlalchemy as sa


revision = '0007_team'
down_revision = '0006_editions'
branch_labels = None
depends_on = None


def upgrade() -> None:
    for table in ('field', 'goal', 'measure'):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column('version', sa.Integer(), nullable=False, server_default='1'))
    with op.batch_alter_table('status_change', schema=None) as batch_op:
        batch_op.add_column(sa.Column('changed_by', sa.Text(), nullable=False, server_default=''))
    op.create_table('change_log',
    sa.Column('revision', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('kind', sa.String(length=30), nullable=False),
    sa.Column('item_id', sa.Integer(), nullable=True),
    sa.Column('action', sa.String(length=10), nullable=False),
    sa.Column('attrs', sa.Text(), nullable=False),
    sa.Column('author', sa.Text(), nullable=False),
    sa.Column('session', sa.String(length=32), nullable=False),
    sa.Column('changed_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('revision', name=op.f('pk_change_log'))
    )
    with op.batch_alter_table('change_log', schema=None) as batch_op:
        batch_op.create_index('ix_change_log_item', ['kind', 'item_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('change_log', schema=None) as batch_op:
        batch_op.drop_index('ix_change_log_item')
    op.drop_table('change_log')
    with op.batch_alter_table('status_change', schema=None) as batch_op:
        batch_op.drop_column('changed_by')
    for table in ('measure', 'goal', 'field'):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_column('version')
