"""The command line speaks German: argparse's usage, help and error texts included."""

from __future__ import annotations

import argparse
import gettext
import subprocess
import sys
from pathlib import Path

import pytest
from corpus.harness import subprocess_env

from kik_desktop.cli import main


def _run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as info:
        main(argv)
    out = capsys.readouterr()
    return int(info.value.code or 0), out.out, out.err


@pytest.mark.parametrize("argv", [["--help"], ["import", "--help"], ["print", "bericht", "--help"]])
def test_help_is_german(argv: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = _run(argv, capsys)
    assert code == 0
    assert out.startswith("Aufruf: kik-desktop")
    assert "Optionen:" in out and "diese Hilfe anzeigen und beenden" in out
    for english in ("usage", "options:", "show this help", "positional arguments"):
        assert english not in out


def test_missing_argument_error_is_german(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = _run(["import"], capsys)
    assert code == 2
    assert "Aufruf: kik-desktop import" in err
    assert "kik-desktop import: Fehler: folgende Argumente fehlen: DATEI.xlsx" in err
    assert "required" not in err and "error" not in err


def test_unknown_option_and_bad_number_are_german(capsys: pytest.CaptureFixture[str]) -> None:
    _, _, err = _run(["export", "a.xlsx", "--gibtsnicht"], capsys)
    assert "Fehler: unbekannte Argumente: --gibtsnicht" in err
    _, _, err = _run(["import", "a.xlsx", "--limit", "viele"], capsys)
    assert "Argument --limit: ungültiger Wert: 'viele'" in err


def test_other_users_of_argparse_keep_english(capsys: pytest.CaptureFixture[str]) -> None:
    _run(["--help"], capsys)
    assert argparse._ is gettext.gettext  # type: ignore[attr-defined]
    assert "show this help message and exit" in argparse.ArgumentParser().format_help()


@pytest.mark.parametrize("command", [["selftest"], ["screenshot", "{tmp}/bild.png"]])
def test_selftest_and_screenshot_print_no_qt_platform_noise(
    command: list[str], tmp_path: Path, data_dir: Path
) -> None:
    argv = [part.format(tmp=tmp_path) for part in command]
    result = subprocess.run(
        [sys.executable, "-m", "kik_desktop", *argv],
        capture_output=True,
        text=True,
        env=subprocess_env(data_dir),
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    assert "propagateSizeHints" not in result.stderr + result.stdout
    assert "This plugin" not in result.stderr
    assert (
        "Selbsttest bestanden" if argv[0] == "selftest" else "Bildschirmfoto gespeichert"
    ) in result.stdout
