"""``dms demo --fresh``: the old SQLite database and everything DMS wrote beside it move together into
``previous/N``, all or nothing, and nothing outside the data directory is touched."""

from __future__ import annotations

from pathlib import Path

import pytest

from dms.commands.synth import _fresh_start
from dms.errors import DmsError
from dms.settings import DATA_AREAS, load_config


def _written(data_dir: Path) -> dict[str, str]:
    """A data directory as a demo leaves it, plus a file of the person's own; returns path → content."""
    files = {"dms.sqlite3": "db", "dms.sqlite3-wal": "wal", "archive/la/005920/x.tar": "a",
             "outbox/005920/20260401-PDPDM-005920.tar": "o", "schedules/2026-03/20260401-DMSCH-005920.xml": "s",
             "bacs/DMS-BACS-2026-03.txt": "b", "demo/2026-03/manifest.json": "d", "notes/mine.txt": "mine"}
    for name, text in files.items():
        (data_dir / name).parent.mkdir(parents=True, exist_ok=True)
        (data_dir / name).write_text(text)
    return files


def _contents(top: Path) -> dict[str, str]:
    return {str(p.relative_to(top)): p.read_text() for p in top.rglob("*") if p.is_file()}


def test_fresh_moves_the_database_and_its_outputs_together_and_nothing_else(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    outside = tmp_path / "elsewhere.txt"
    outside.write_text("outside")
    files = _written(data_dir)
    config = load_config({"DMS_DATA_DIR": str(data_dir)})
    kept = _fresh_start(config)
    assert kept == data_dir / "previous" / "1"
    assert _contents(data_dir) == {
        **{f"previous/1/{name}": text for name, text in files.items() if not name.startswith("notes/")},
        "notes/mine.txt": "mine",
    }
    assert not any((data_dir / area).exists() for area in DATA_AREAS) and outside.read_text() == "outside"
    (data_dir / "dms.sqlite3").write_text("db 2")
    assert _fresh_start(config) == data_dir / "previous" / "2"
    assert (data_dir / "previous" / "2" / "dms.sqlite3").read_text() == "db 2"
    assert _fresh_start(config) is None  # nothing left to move


def test_fresh_that_cannot_move_everything_moves_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    data_dir = tmp_path / "data"
    _written(data_dir)
    before = _contents(data_dir)
    real = Path.rename
    calls: list[Path] = []

    def rename(self: Path, target: Path) -> Path:
        calls.append(self)
        if self.name == "schedules" and self.parent == data_dir:
            raise PermissionError(13, "Permission denied", str(self))
        return real(self, target)

    monkeypatch.setattr(Path, "rename", rename)
    with pytest.raises(DmsError, match="could not move .*schedules aside \\(Permission denied\\); nothing was moved"):
        _fresh_start(load_config({"DMS_DATA_DIR": str(data_dir)}))
    assert len(calls) > 3 and _contents(data_dir) == before
    assert list((data_dir / "previous").iterdir()) == []


def test_fresh_refuses_a_database_outside_the_data_directory(tmp_path: Path) -> None:
    config = load_config({"DMS_DATA_DIR": str(tmp_path / "data"),
                          "DMS_DATABASE_URL": f"sqlite:///{tmp_path / 'other.sqlite3'}"})
    with pytest.raises(DmsError, match="only replaces a database file under the data directory"):
        _fresh_start(config)
    config = load_config({"DMS_DATA_DIR": str(tmp_path / "data"), "DMS_DATABASE_URL": "postgres://u@h/d"})
    with pytest.raises(DmsError, match="refused for other databases"):
        _fresh_start(config)
