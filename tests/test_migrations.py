"""Migrations: ``upgrade head`` on an empty database matches the models (``alembic check``) and downgrades cleanly."""

from __future__ import annotations

import os

from alembic import command
from alembic.config import Config as AlembicConfig
from sqlalchemy import create_engine, inspect

from app.core.db import Base
from tests.conftest import fresh_database_url


def alembic_config(url: str) -> AlembicConfig:
    cfg = AlembicConfig(os.path.join(os.path.dirname(__file__), "..", "alembic.ini"))
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


def test_upgrade_head_check_downgrade(tmp_path_factory):
    url = fresh_database_url(tmp_path_factory, "migrations")  # runs upgrade head on an empty database
    cfg = alembic_config(url)
    command.check(cfg)  # raises when the models and the migrated schema differ
    engine = create_engine(url)
    try:
        assert set(inspect(engine).get_table_names()) >= set(Base.metadata.tables)
        command.downgrade(cfg, "base")
        assert set(inspect(engine).get_table_names()) <= {"alembic_version"}
        command.upgrade(cfg, "head")
        command.check(cfg)
    finally:
        engine.dispose()


def test_every_revision_has_a_downgrade():
    from pathlib import Path

    versions = Path(__file__).resolve().parents[1] / "migrations" / "versions"
    for path in versions.glob("*.py"):
        text = path.read_text()
        assert "def downgrade" in text and "def downgrade() -> None:\n    pass" not in text, path.name
        assert path.name[:8].isdigit(), f"{path.name} is not date-prefixed"
