"""Alembic environment: runs on the connection the Database hands over (SQLite or PostgreSQL)."""

from alembic import context

from core.catalog import all_models

connection = context.config.attributes.get("connection")
if connection is None:
    raise RuntimeError("run migrations through core.catalog.database.Database.migrate()")

context.configure(
    connection=connection,
    target_metadata=all_models().metadata,
    render_as_batch=connection.dialect.name == "sqlite",
    compare_type=True,
)
with context.begin_transaction():
    context.run_migrations()
