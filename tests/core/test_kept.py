"""``app.core.db.kept``: a read kept for the session until anything is written, committed or rolled back."""

from sqlalchemy import func, select, update

from app.centres.models import Centre
from app.core.db import kept


def test_a_read_is_kept_until_anything_is_written(world, session, count_statements):
    def codes():
        return kept(("codes",), lambda: sorted(session.execute(select(Centre.code)).scalars()))

    first = codes()
    with count_statements() as statements:
        assert codes() == first
    assert statements == []  # kept: no second read

    session.add(Centre(code="NEW", name_zh="新中心", name_en="New", level=world.city.level, path="/"))
    assert "NEW" in codes()  # pending changes: read afresh (its autoflush forgets the rest)
    assert "NEW" in codes()

    session.execute(update(Centre).where(Centre.code == "NEW").values(code="NEWER"))  # a bulk write, no flush
    assert "NEWER" in codes() and "NEW" not in codes()

    assert kept(("count",), lambda: session.execute(select(func.count(Centre.id))).scalar()) > 0
    session.rollback()
    assert kept(("count",), lambda: -1) == -1  # rolled back: forgotten


def test_a_row_lock_forgets_what_was_read_before_it(world, session):
    """A write reads under its lock what it decides on: another transaction may have changed it
    while the lock was waited for."""
    assert kept(("answer",), lambda: 1) == 1
    assert kept(("answer",), lambda: 2) == 1
    session.execute(select(Centre).where(Centre.id == world.city.id).with_for_update()).scalar_one()
    assert kept(("answer",), lambda: 3) == 3


def test_already_kept_tells_what_is_kept_without_reading_it(world, session):
    from app.core.db import already_kept

    assert already_kept(("answer",)) is None  # never read: nothing is read now either
    kept(("answer",), lambda: [1])
    assert already_kept(("answer",)) == [1]
    session.execute(select(Centre).where(Centre.id == world.city.id).with_for_update()).scalar_one()
    assert already_kept(("answer",)) is None  # forgotten by the lock
    kept(("answer",), lambda: [2])
    session.add(Centre(code="NEW", name_zh="新中心", name_en="New", level=world.city.level, path="/"))
    assert already_kept(("answer",)) is None  # changes pending
