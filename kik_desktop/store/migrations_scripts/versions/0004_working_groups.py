"""working groups, dispatches with their base values, provenance of imported values"""

from alembic import op
import sqlalchemy as sa


revision = '0004_working_groups'
down_revision = '0003_status_symbols'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'working_group',
        sa.Column('id', sa.Integer(), primary_key=True),
        sa.Column('position', sa.Integer(), nullable=False, server_default='0'),
        sa.Column('name', sa.Text(), nullable=False, unique=True),
        sa.Column('contact', sa.Text(), nullable=False, server_default=''),
        sa.Column('email', sa.Text(), nullable=False, server_default=''),
    )
    op.create_table(
        'working_group_field',
        sa.Column('group_id', sa.Integer(), sa.ForeignKey('working_group.id', ondelete='CASCADE'),
                  primary_key=True),
        sa.Column('field_id', sa.Integer(), sa.ForeignKey('field.id', ondelete='CASCADE'), primary_key=True),
    )
    op.create_table(
        'working_group_member',
        sa.Column('group_id', sa.Integer(), sa.ForeignKey('working_group.id', ondelete='CASCADE'),
                  primary_key=True),
        sa.Column('institution_id', sa.Integer(), sa.ForeignKey('institution.id', ondelete='CASCADE'),
                  primary_key=True),
    )
    op.create_table(
        'dispatch',
        sa.Column('id', sa.Integer(), primary_key=True),
        sa.Column('uid', sa.String(32), nullable=False, unique=True),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('kind', sa.String(20), nullable=False, server_default='workbook'),
        sa.Column('scope', sa.Text(), nullable=False, server_default='all'),
        sa.Column('scope_label', sa.Text(), nullable=False, server_default=''),
        sa.Column('recipient', sa.Text(), nullable=False, server_default=''),
        sa.Column('contact', sa.Text(), nullable=False, server_default=''),
        sa.Column('email', sa.Text(), nullable=False, server_default=''),
        sa.Column('due', sa.Text(), nullable=False, server_default=''),
        sa.Column('file_name', sa.Text(), nullable=False, server_default=''),
        sa.Column('returned_at', sa.DateTime(), nullable=True),
        sa.Column('returned_file', sa.Text(), nullable=False, server_default=''),
    )
    op.create_table(
        'dispatch_value',
        sa.Column('id', sa.Integer(), primary_key=True),
        sa.Column('dispatch_id', sa.Integer(), sa.ForeignKey('dispatch.id', ondelete='CASCADE'), nullable=False),
        sa.Column('kind', sa.String(10), nullable=False),
        sa.Column('item_uid', sa.String(32), nullable=False),
        sa.Column('attribute', sa.String(40), nullable=False),
        sa.Column('value', sa.Text(), nullable=True),
    )
    op.create_index('ix_dispatch_value_dispatch', 'dispatch_value', ['dispatch_id'])
    op.create_table(
        'value_source',
        sa.Column('id', sa.Integer(), primary_key=True),
        sa.Column('changed_at', sa.DateTime(), nullable=False),
        sa.Column('kind', sa.String(10), nullable=False),
        sa.Column('item_uid', sa.String(32), nullable=False),
        sa.Column('attribute', sa.String(40), nullable=False),
        sa.Column('old_value', sa.Text(), nullable=True),
        sa.Column('new_value', sa.Text(), nullable=True),
        sa.Column('source_file', sa.Text(), nullable=False, server_default=''),
        sa.Column('dispatch_uid', sa.String(32), nullable=True),
        sa.Column('group_name', sa.Text(), nullable=False, server_default=''),
    )
    op.create_index('ix_value_source_item', 'value_source', ['item_uid'])
    # Existing documents: one working group per field of action, covering it (members are added by hand).
    # SQLite says INSERT OR IGNORE; PostgreSQL (a team database, #17) ON CONFLICT DO NOTHING.
    sqlite = op.get_bind().dialect.name == "sqlite"
    insert = "INSERT OR IGNORE INTO" if sqlite else "INSERT INTO"
    ignore = "" if sqlite else " ON CONFLICT DO NOTHING"
    op.execute(
        f"{insert} working_group (position, name, contact, email) "
        f"SELECT position, 'AG ' || name, '', '' FROM field ORDER BY position, id{ignore}"
    )
    op.execute(
        f"{insert} working_group_field (group_id, field_id) "
        f"SELECT wg.id, f.id FROM field f JOIN working_group wg ON wg.name = 'AG ' || f.name{ignore}"
    )


def downgrade() -> None:
    op.drop_index('ix_value_source_item', 'value_source')
    op.drop_table('value_source')
    op.drop_index('ix_dispatch_value_dispatch', 'dispatch_value')
    op.drop_table('dispatch_value')
    op.drop_table('dispatch')
    op.drop_table('working_group_member')
    op.drop_table('working_group_field')
    op.drop_table('working_group')
