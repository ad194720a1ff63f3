"""Settings and the app's folders: round trips, clamping, SDX_DESKTOP_HOME."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import QByteArray

from sdx_desktop import paths as paths_module
from sdx_desktop.settings import (
    DEFAULT_PAGE_SIZE,
    Settings,
    app_home,
    cache_dir,
    config_dir,
    data_dir,
    log_dir,
)


@pytest.fixture(autouse=True)
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Nothing touches the real user's folders (the top-level conftest should do this)."""
    path = tmp_path / "sdx-home"
    monkeypatch.setenv("SDX_DESKTOP_HOME", str(path))
    return path


def reopen(settings: Settings) -> Settings:
    settings.sync()
    return Settings(settings.path)


def test_home_overrides_every_folder(home: Path) -> None:
    assert app_home() == home
    assert config_dir() == home / "config"
    assert log_dir() == home / "logs"
    assert cache_dir() == home / "cache"
    assert all(p.is_dir() for p in (config_dir(), log_dir(), cache_dir()))
    assert Settings().path == home / "config" / "settings.ini"


def test_platform_folders_without_home(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("SDX_DESKTOP_HOME")
    seen: list[tuple[str, object]] = []

    def fake(kind: str):  # type: ignore[no-untyped-def]
        def where(appname: str, appauthor: object) -> str:
            seen.append((appname, appauthor))
            return str(tmp_path / kind)

        return where

    monkeypatch.setattr(paths_module.platformdirs, "user_config_dir", fake("c"))
    monkeypatch.setattr(paths_module.platformdirs, "user_log_dir", fake("l"))
    monkeypatch.setattr(paths_module.platformdirs, "user_cache_dir", fake("k"))
    monkeypatch.setattr(paths_module.platformdirs, "user_data_dir", fake("d"))
    assert app_home() is None
    assert (config_dir(), log_dir(), cache_dir(), data_dir()) == (
        tmp_path / "c",
        tmp_path / "l",
        tmp_path / "k",
        tmp_path / "d",
    )
    assert seen == [("sdx-desktop", False)] * 4


def test_defaults(home: Path) -> None:
    s = Settings()
    assert s.last_location == "us1"
    assert s.last_auth_method == "basic"
    assert s.last_survey_id is None
    assert s.page_size == DEFAULT_PAGE_SIZE == 100
    assert s.remember is False  # unticked until staff tick it (README: "Tick …")
    assert s.geometry("main") is None


def test_round_trip() -> None:
    s = Settings()
    s.last_location = "eu1"
    s.last_auth_method = "token"
    s.last_survey_id = 4711
    s.page_size = 250
    s.remember = True
    state = QByteArray(b"\x01\x00\xffsplitter")
    s.save_geometry("main window", state)
    s.save_geometry("tagSplitter", QByteArray(b"other"))
    t = reopen(s)
    assert t.last_location == "eu1"
    assert t.last_auth_method == "token"
    assert t.last_survey_id == 4711
    assert t.page_size == 250
    assert t.remember is True
    assert t.geometry("main window") == state
    assert t.geometry("tagSplitter") == QByteArray(b"other")
    t.last_survey_id = None
    assert reopen(t).last_survey_id is None


def test_custom_url_location_keeps_nothing_secret() -> None:
    s = Settings()
    s.last_location = "https://user:pass@SDX.example.org:8443/api/?token=abc#x"
    t = reopen(s)
    assert t.last_location == "https://sdx.example.org:8443/api"
    text = t.path.read_text()
    assert "pass" not in text
    assert "abc" not in text


@pytest.mark.parametrize(("given", "kept"), [(0, 1), (-5, 1), (1, 1), (1000, 1000), (5000, 1000)])
def test_page_size_clamped(given: int, kept: int) -> None:
    s = Settings()
    s.page_size = given
    assert s.page_size == kept
    assert reopen(s).page_size == kept


def test_hand_edited_file_is_tolerated() -> None:
    path = Settings().path
    path.write_text(
        "[signin]\nmethod=carrier-pigeon\nremember=maybe\nlocation=\n"
        "[browse]\npage_size=lots\nsurvey_id=-3\n"
    )
    s = Settings(path)
    assert s.last_auth_method == "basic"
    assert s.remember is False
    assert s.last_location == "us1"
    assert s.page_size == 100
    assert s.last_survey_id is None
    path.write_text("[browse]\npage_size=99999\n")
    assert Settings(path).page_size == 1000


def test_bad_values_refused() -> None:
    s = Settings()
    with pytest.raises(ValueError):
        s.last_auth_method = "oauth"  # type: ignore[assignment]
    with pytest.raises(ValueError):
        s.save_geometry("  ", QByteArray(b"x"))
