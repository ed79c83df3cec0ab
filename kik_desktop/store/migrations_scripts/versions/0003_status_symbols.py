"""status short names and print-safe symbols"""

from alembic import op
import sqlalchemy as sa


revision = '0003_status_symbols'
down_revision = '0002_status_history'
branch_labels = None
depends_on = None

# The canonical short names and symbols; the same as resources/default_concept.json.
DEFAULTS = {
    "umgesetzt": ("umgesetzt", "✓"),
    "anfang": ("Anfang", "◔"),
    "mitte": ("Mitte", "◑"),
    "ende": ("Ende", "◕"),
    "gefaehrdet": ("gefährdet", "✗"),
    "zukuenftig": ("zukünftig", "○"),
}


def upgrade() -> None:
    with op.batch_alter_table('status', schema=None) as batch_op:
        batch_op.add_column(sa.Column('short', sa.Text(), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('symbol', sa.Text(), nullable=False, server_default=''))
    status = sa.table('status', sa.column('key', sa.String), sa.column('short', sa.Text),
                      sa.column('symbol', sa.Text))
    for key, (short, symbol) in DEFAULTS.items():
        op.execute(status.update().where(status.c.key == key).values(short=short, symbol=symbol))


def downgrade() -> None:
    with op.batch_alter_table('status', schema=None) as batch_op:
        batch_op.drop_column('symbol')
        batch_op.drop_column('short')
