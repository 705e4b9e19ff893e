"""Alembic environment: the bot passes its open connection in `config.attributes`."""

from alembic import context
from sqlalchemy import create_engine

from bot.storage.schema import metadata

config = context.config
connection = config.attributes.get("connection")

if connection is None:  # `alembic` run by hand with -x url=sqlite:///data/qms.sqlite3
    url = context.get_x_argument(as_dictionary=True).get("url", "sqlite:///data/qms.sqlite3")
    with create_engine(url).begin() as connection:
        context.configure(connection=connection, target_metadata=metadata, render_as_batch=True)
        context.run_migrations()
else:
    context.configure(connection=connection, target_metadata=metadata, render_as_batch=True)
    context.run_migrations()
