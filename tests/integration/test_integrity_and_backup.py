"""`rendo check` finds damaged copies, Rendo refuses to write to them, `rendo backup` makes a
copy with the same contents, and the automatic daily backups keep the newest seven."""

from __future__ import annotations

import hashlib
import os
import sqlite3
from datetime import date, timedelta
from pathlib import Path

import pytest

ITEMS = 300


@pytest.fixture(scope="module")
def sound_bytes(tmp_path_factory: pytest.TempPathFactory) -> bytes:
    """A closed shop file of 300 items, each with one movement (+5), as bytes."""
    from app.services.shop import Shop
    from app.store.database import close_database, open_database

    path = tmp_path_factory.mktemp("sound") / "rendo.sqlite3"
    open_database(str(path))
    try:
        shop = Shop()
        for n in range(ITEMS):
            shop.add_item(f"CODE-{n:04d}", name=f"item {n} " + "x" * 40)
        for n in range(ITEMS):
            shop.adjust(f"CODE-{n:04d}", "+5", "receive")
    finally:
        close_database()
    assert not path.with_name(path.name + "-wal").exists()
    return path.read_bytes()


def _page_size(data: bytes | bytearray) -> int:
    return int.from_bytes(data[16:18], "big")


def _root_page(data: bytes, index: str) -> int:
    connection = sqlite3.connect(":memory:")
    try:
        legacy = bytearray(data)
        legacy[18:20] = b"\x01\x01"  # a WAL-mode file cannot be opened in memory as it is
        connection.deserialize(bytes(legacy))
        return int(connection.execute(
            "SELECT rootpage FROM sqlite_master WHERE name = ?", (index,)).fetchone()[0])
    finally:
        connection.close()


def truncate(data: bytearray) -> bytes:
    return bytes(data[: len(data) // 2])


def overwrite_a_middle_page(data: bytearray) -> bytes:
    size = _page_size(data)
    middle = len(data) // size // 2
    data[middle * size:(middle + 1) * size] = bytes((n * 37 + 11) % 256 for n in range(size))
    return bytes(data)


def flip_bytes_in_an_index_page(data: bytearray) -> bytes:
    size = _page_size(data)
    start = (_root_page(bytes(data), "movement_item_id") - 1) * size
    for offset in range(size // 2, size - 8, 7):
        data[start + offset] ^= 0x55
    return bytes(data)


def zero_the_header(data: bytearray) -> bytes:
    data[:100] = bytes(100)
    return bytes(data)


BROKEN = {"truncated": truncate, "a page overwritten": overwrite_a_middle_page,
          "an index page with flipped bytes": flip_bytes_in_an_index_page,
          "the header zeroed": zero_the_header}
RAW = {
    # the cache no longer equals the ledger: a movement deleted behind Rendo's back
    "a movement deleted": "DELETE FROM movement WHERE id = 4",
    # an order line whose channel is not there (foreign keys off in a raw connection)
    "a row pointing nowhere": "INSERT INTO applied_line (channel_id, order_id, line_id, "
                              "item_id, quantity, updated_at) VALUES (99, 'o', 'l', 1, 1, "
                              "'2024-01-01')",
}


@pytest.fixture(params=[*BROKEN, *RAW])
def corrupted(request: pytest.FixtureRequest, sound_bytes: bytes, tmp_path: Path) -> Path:
    path = tmp_path / "copy.sqlite3"
    if request.param in BROKEN:
        path.write_bytes(BROKEN[request.param](bytearray(sound_bytes)))
    else:
        path.write_bytes(sound_bytes)
        connection = sqlite3.connect(str(path))
        connection.execute(RAW[request.param])
        connection.commit()
        connection.close()
    return path


def test_check_reports_every_corrupted_copy_in_plain_lines(rendo_on, corrupted):
    run = rendo_on(corrupted, "check")
    assert run.code == 1, (run.out, run.err)
    assert "ledger ok" not in run.out
    assert "Traceback" not in run.err
    assert run.err_lines, "no line says what is wrong"
    for line in run.err_lines:
        assert line.startswith(("rendo: ", "database: ", "CODE-", "The database ")), line


def test_the_sound_file_passes_the_check(rendo_on, sound_bytes, tmp_path):
    path = tmp_path / "rendo.sqlite3"
    path.write_bytes(sound_bytes)
    run = rendo_on(path, "check")
    assert (run.code, run.err) == (0, "")


@pytest.mark.parametrize("how", BROKEN)
def test_a_damaged_file_is_never_written_and_the_message_says_how_to_restore(
    rendo_on, sound_bytes, tmp_path, how
):
    path = tmp_path / "rendo.sqlite3"
    path.write_bytes(BROKEN[how](bytearray(sound_bytes)))
    backups = tmp_path / "backups"
    backups.mkdir()
    (backups / "rendo-2024-01-01.sqlite3").write_bytes(sound_bytes)
    before = hashlib.sha256(path.read_bytes()).hexdigest()
    run = rendo_on(path, "adjust", "CODE-0001", "+1")
    assert run.code == 3, (run.out, run.err)
    assert len(run.err_lines) == 1 and "Traceback" not in run.err, run.err
    assert "damaged" in run.err and str(backups) in run.err and "copy" in run.err
    assert hashlib.sha256(path.read_bytes()).hexdigest() == before
    assert sorted(p.name for p in backups.iterdir()) == ["rendo-2024-01-01.sqlite3"]


def test_a_damaged_file_can_still_be_read(rendo_on, sound_bytes, tmp_path):
    path = tmp_path / "rendo.sqlite3"
    path.write_bytes(flip_bytes_in_an_index_page(bytearray(sound_bytes)))
    run = rendo_on(path, "history", "CODE-0001")
    assert run.code == 0, run.err
    assert "+5" in run.out


# -- rendo backup ---------------------------------------------------------------------------------

def test_backup_writes_a_copy_with_the_same_contents(rendo, tmp_path, db_dump):
    for args in (("item", "add", "A"), ("adjust", "A", "+5"), ("channel", "add", "web")):
        assert rendo(*args).code == 0
    target = tmp_path / "copy.sqlite3"
    run = rendo("backup", str(target))
    assert run.code == 0, run.err
    assert str(target) in run.out
    assert db_dump(target) == db_dump()
    assert not target.with_name(target.name + ".partial").exists()


def test_backup_never_overwrites_a_file(rendo, tmp_path):
    assert rendo("item", "add", "A").code == 0
    target = tmp_path / "keep.txt"
    target.write_text("mine", encoding="utf-8")
    run = rendo("backup", str(target))
    assert run.code == 2 and len(run.err_lines) == 1 and str(target) in run.err
    assert target.read_text(encoding="utf-8") == "mine"
    missing = rendo("backup", str(tmp_path / "nowhere" / "copy.sqlite3"))
    assert missing.code == 2 and "nowhere" in missing.err


# -- the automatic daily backups ------------------------------------------------------------------

def test_the_first_command_of_the_day_on_an_existing_shop_leaves_a_backup(
    rendo, db_path, db_dump
):
    from app.store.backup import backup_name

    assert rendo("item", "add", "A").code == 0
    backups = Path(db_path).parent / "backups"
    assert not backups.exists()  # a new, empty shop has nothing to back up
    after_first = db_dump()
    assert rendo("adjust", "A", "+5").code == 0
    today = backups / backup_name(Path(db_path), date.today())
    assert [p.name for p in backups.iterdir()] == [today.name]
    assert db_dump(today) == after_first  # made when the second command opened it
    assert rendo("adjust", "A", "+1").code == 0
    assert db_dump(today) == after_first  # one a day


def test_a_damaged_file_is_not_backed_up_over_good_backups(rendo_on, sound_bytes, tmp_path):
    path = tmp_path / "rendo.sqlite3"
    path.write_bytes(flip_bytes_in_an_index_page(bytearray(sound_bytes)))
    assert rendo_on(path, "stock").code == 0
    assert not (tmp_path / "backups").exists()


def test_rotation_keeps_the_newest_seven_and_nothing_else_is_touched(tmp_path, db_dump):
    from app.store.backup import backup_name, daily_backup, rotate
    from app.store.database import close_database, db, open_database

    path = tmp_path / "shop.sqlite3"
    open_database(str(path))
    try:
        folder = tmp_path / "backups"
        first = date(2026, 1, 25)
        made = [daily_backup(db.obj, path, today=first + timedelta(days=n)) for n in range(10)]
        assert all(made)
        assert daily_backup(db.obj, path, today=first + timedelta(days=9)) is None  # same day
        (folder / "notes.txt").write_text("mine", encoding="utf-8")
        (folder / "other-2026-01-01.sqlite3").write_bytes(b"")
        assert rotate(folder, path, keep=7) == []
    finally:
        close_database()
    kept = sorted(p.name for p in folder.iterdir())
    expected = [backup_name(path, first + timedelta(days=n)) for n in range(3, 10)]
    assert kept == sorted([*expected, "notes.txt", "other-2026-01-01.sqlite3"])
    assert "shop-2026-02-03.sqlite3" in kept  # across the month's end, by date
    for name in expected:
        assert db_dump(folder / name)  # each one opens
    assert os.path.getsize(folder / expected[0]) > 0


def test_a_postgresql_database_is_not_backed_up_by_rendo(tmp_path):
    import peewee

    from app.domain.errors import BadInput
    from app.store.backup import backup_to
    from app.store.database import db

    previous = db.obj
    db.initialize(peewee.PostgresqlDatabase("rendo"))  # never connected
    try:
        with pytest.raises(BadInput, match="pg_dump"):
            backup_to(str(tmp_path / "copy.sqlite3"))
    finally:
        db.initialize(previous)
    assert not (tmp_path / "copy.sqlite3").exists()
