"""base schema: plan, registry, statuses"""

from alembic import op
import sqlalchemy as sa


revision = '0001_base'
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('cross_cutting_task',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('title', sa.Text(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_cross_cutting_task'))
    )
    op.create_table('document_property',
    sa.Column('key', sa.String(length=60), nullable=False),
    sa.Column('value', sa.Text(), nullable=False),
    sa.PrimaryKeyConstraint('key', name=op.f('pk_document_property'))
    )
    op.create_table('field',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('uid', sa.String(length=32), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('name', sa.Text(), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('adopted_goals', sa.Integer(), nullable=True),
    sa.Column('adopted_measures', sa.Integer(), nullable=True),
    sa.Column('working_group', sa.Text(), nullable=False),
    sa.Column('actors', sa.Text(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_field')),
    sa.UniqueConstraint('uid', name=op.f('uq_field_uid'))
    )
    op.create_table('funding_source',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.Text(), nullable=False),
    sa.Column('kind', sa.Text(), nullable=False),
    sa.Column('notes', sa.Text(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_funding_source')),
    sa.UniqueConstraint('name', name=op.f('uq_funding_source_name'))
    )
    op.create_table('institution',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.Text(), nullable=False),
    sa.Column('short_name', sa.Text(), nullable=False),
    sa.Column('notes', sa.Text(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_institution')),
    sa.UniqueConstraint('name', name=op.f('uq_institution_name'))
    )
    op.create_table('status',
    sa.Column('key', sa.String(length=20), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('label', sa.Text(), nullable=False),
    sa.Column('color', sa.String(length=6), nullable=False),
    sa.PrimaryKeyConstraint('key', name=op.f('pk_status'))
    )
    op.create_table('steering_member',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('area', sa.Text(), nullable=False),
    sa.Column('role', sa.Text(), nullable=False),
    sa.Column('members', sa.Text(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_steering_member'))
    )
    op.create_table('goal',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('uid', sa.String(length=32), nullable=False),
    sa.Column('field_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('title', sa.Text(), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('indicator', sa.Text(), nullable=False),
    sa.Column('is_example', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['field_id'], ['field.id'], name=op.f('fk_goal_field_id_field'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_goal')),
    sa.UniqueConstraint('uid', name=op.f('uq_goal_uid'))
    )
    with op.batch_alter_table('goal', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_goal_field_id'), ['field_id'], unique=False)

    op.create_table('measure',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('uid', sa.String(length=32), nullable=False),
    sa.Column('goal_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('title', sa.Text(), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('target_group', sa.Text(), nullable=False),
    sa.Column('responsible', sa.Text(), nullable=False),
    sa.Column('actors', sa.Text(), nullable=False),
    sa.Column('needs', sa.Text(), nullable=False),
    sa.Column('start', sa.Text(), nullable=False),
    sa.Column('end', sa.Text(), nullable=False),
    sa.Column('success_indicator', sa.Text(), nullable=False),
    sa.Column('status_key', sa.String(length=20), nullable=True),
    sa.Column('priority', sa.Integer(), nullable=True),
    sa.Column('funding', sa.Text(), nullable=False),
    sa.Column('notes', sa.Text(), nullable=False),
    sa.Column('is_example', sa.Boolean(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['goal_id'], ['goal.id'], name=op.f('fk_measure_goal_id_goal'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['status_key'], ['status.key'], name=op.f('fk_measure_status_key_status'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_measure')),
    sa.UniqueConstraint('uid', name=op.f('uq_measure_uid'))
    )
    with op.batch_alter_table('measure', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_measure_goal_id'), ['goal_id'], unique=False)

    op.create_table('measure_task',
    sa.Column('measure_id', sa.Integer(), nullable=False),
    sa.Column('task_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['measure_id'], ['measure.id'], name=op.f('fk_measure_task_measure_id_measure'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['task_id'], ['cross_cutting_task.id'], name=op.f('fk_measure_task_task_id_cross_cutting_task'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('measure_id', 'task_id', name=op.f('pk_measure_task'))
    )


def downgrade() -> None:
    op.drop_table('measure_task')
    with op.batch_alter_table('measure', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_measure_goal_id'))

    op.drop_table('measure')
    with op.batch_alter_table('goal', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_goal_field_id'))

    op.drop_table('goal')
    op.drop_table('steering_member')
    op.drop_table('status')
    op.drop_table('institution')
    op.drop_table('funding_source')
    op.drop_table('field')
    op.drop_table('document_property')
    op.drop_table('cross_cutting_task')
