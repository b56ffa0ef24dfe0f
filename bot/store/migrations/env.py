"""Alembic's environment for ngopas-bot: runs only through `bot.store.migrate`, on the connection it passes.

There is no alembic.ini: `bot.store.migrate.alembic_config` builds the configuration in code, with this
folder's absolute path, so the migrations run the same from a checkout and from an installed wheel.  The
store opens the connection and the transaction itself (holding PostgreSQL's advisory lock, and on SQLite with
foreign keys switched off) and hands the connection over in `config.attributes["connection"]` (Alembic's
documented connection-sharing recipe); Alembic then runs inside that one transaction.
"""

from alembic import context

from bot.store.schema import metadata

connection = context.config.attributes.get("connection")
if connection is None:
    raise RuntimeError("ngopas-bot's migrations run through bot.store.migrate, which passes a connection")

# render_as_batch: on SQLite, an ALTER that SQLite cannot do is written as "copy into a new table".
context.configure(connection=connection, target_metadata=metadata, render_as_batch=True)
with context.begin_transaction():
    context.run_migrations()
