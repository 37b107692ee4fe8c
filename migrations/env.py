"""Alembic environment bound to the app's metadata.

The database URL is, in order: ``-x url=...``, the ``sqlalchemy.url`` set by a
caller (tests), ``DATABASE_URL``, or the SQLite file in instance/.
"""

from alembic import context

import app.models  # noqa: F401  (every model registers its table)
from app.core.db import Base, begin_mode, make_engine
from config import database_url, normalise_database_url

config = context.config
target_metadata = Base.metadata


def _url() -> str:
    x = context.get_x_argument(as_dictionary=True)
    return normalise_database_url(x.get("url") or config.get_main_option("sqlalchemy.url") or database_url())


def run_migrations_offline() -> None:
    context.configure(url=_url(), target_metadata=target_metadata, literal_binds=True, render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    engine = make_engine(_url())
    with begin_mode("IMMEDIATE"), engine.connect() as connection:
        context.configure(
            connection=connection,
            target_metadata=target_metadata,
            render_as_batch=connection.dialect.name == "sqlite",
            compare_type=True,
        )
        with context.begin_transaction():
            context.run_migrations()
    engine.dispose()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
