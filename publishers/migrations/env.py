"""Alembic environment: always run with a connection handed over by publishers.store.migrate."""
from alembic import context

from publishers.store import catalog

connection = context.config.attributes["connection"]
context.configure(connection=connection, target_metadata=catalog, render_as_batch=True)
with context.begin_transaction():
    context.run_migrations()
