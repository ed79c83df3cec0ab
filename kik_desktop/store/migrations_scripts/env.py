"""Alembic environment: migrations run only on a connection handed in by the program."""

from alembic import context

from kik_desktop.models import Base

config = context.config
connection = config.attributes.get("connection")
if connection is None:
    raise RuntimeError("KIK migrations run through kik_desktop.store.migrations.upgrade only")

context.configure(
    connection=connection,
    target_metadata=Base.metadata,
    render_as_batch=True,
    transaction_per_migration=True,
)
with context.begin_transaction():
    context.run_migrations()
