"""editions: where each item of a next edition (Fortschreibung) came from"""

from alembic import op
import sqlalchemy as sa


revision = '0006_editions'
down_revision = '0005_indicators'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('item_origin',
    sa.Column('uid', sa.String(length=32), nullable=False),
    sa.Column('kind', sa.String(length=40), nullable=False),
    sa.Column('origin_uid', sa.String(length=32), nullable=False),
    sa.Column('origin_edition', sa.Text(), nullable=False, server_default=''),
    sa.PrimaryKeyConstraint('uid', name=op.f('pk_item_origin'))
    )


def downgrade() -> None:
    op.drop_table('item_origin')
