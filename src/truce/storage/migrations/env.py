"""Alembic environment: runs on the connection that :func:`truce.storage.schema.upgrade` passes."""

from __future__ import annotations

from alembic import context

from truce.storage.models import Base
from truce.storage.schema import in_models

connection = context.config.attributes["connection"]
context.configure(
    connection=connection,
    target_metadata=Base.metadata,
    render_as_batch=connection.dialect.name == "sqlite",
    compare_type=True,
    include_name=in_models,
)
with context.begin_transaction():
    context.run_migrations()
