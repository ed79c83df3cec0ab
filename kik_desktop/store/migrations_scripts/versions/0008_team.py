"""team database: reporting dates frozen on PostgreSQL too (0005 made the triggers for SQLite only)"""

from alembic import op


revision = '0008_team'
down_revision = '0007_team'
branch_labels = None
depends_on = None

FROZEN = ("snapshot", "snapshot_measure", "snapshot_indicator")


def upgrade() -> None:
    # SQLite has the triggers since 0005 (RAISE(ABORT, …)); PostgreSQL needs a function for them. The
    # error is an integrity violation there too, with the same German message.
    if op.get_bind().dialect.name != 'postgresql':
        return
    op.execute(
        "CREATE OR REPLACE FUNCTION kik_snapshot_frozen() RETURNS trigger LANGUAGE plpgsql AS $$ "
        "BEGIN RAISE EXCEPTION 'Ein Berichtsstand kann nicht geändert werden.' "
        "USING ERRCODE = 'integrity_constraint_violation'; END $$"
    )
    for table in FROZEN:
        op.execute(
            f'CREATE TRIGGER {table}_frozen BEFORE UPDATE ON "{table}" '
            "FOR EACH ROW EXECUTE FUNCTION kik_snapshot_frozen()"
        )


def downgrade() -> None:
    if op.get_bind().dialect.name != 'postgresql':
        return
    for table in FROZEN:
        op.execute(f'DROP TRIGGER IF EXISTS {table}_frozen ON "{table}"')
    op.execute("DROP FUNCTION IF EXISTS kik_snapshot_frozen()")
