"""Type-check firmware/ against MicroPython's stubs, once per board (mypy --platform rp2 / esp32).

The stubs are the PyPI packages micropython-rp2-stubs, micropython-esp32-stubs and
micropython-stdlib-stubs. Installed side by side in one environment the board packages
overwrite each other's shared files (machine.pyi ...), so a clean per-board directory
(``pip install --target DIR micropython-<board>-stubs``) can be named with
HLIDKA_STUBS_RP2 / HLIDKA_STUBS_ESP32; otherwise the files each package's RECORD lists
are taken from site-packages.
"""

from __future__ import annotations

import os
import subprocess
import sys
from importlib import metadata
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
FIRMWARE = ROOT / "firmware"


def stub_files(dist: str, into: Path) -> Path:
    """Symlink the .pyi files of an installed stub distribution into ``into``."""
    try:
        files = metadata.distribution(dist).files or []
    except metadata.PackageNotFoundError:
        # The dev extra installs the stubs: without them the firmware check cannot run, which is a failure.
        pytest.fail(f"{dist} is not installed: pip install -e '.[dev]'")
    for f in files:
        if f.suffix == ".pyi" or f.name == "VERSIONS":
            src = Path(str(f.locate()))
            dst = into / str(f)
            dst.parent.mkdir(parents=True, exist_ok=True)
            if src.exists() and not dst.exists():
                dst.symlink_to(src)
    return into


@pytest.mark.parametrize("board", ["rp2", "esp32"])
def test_firmware_type_checks_against_the_board_stubs(board: str, tmp_path: Path) -> None:
    typeshed = stub_files("micropython-stdlib-stubs", tmp_path / "typeshed")
    board_stubs = os.environ.get(f"HLIDKA_STUBS_{board.upper()}") or str(
        stub_files(f"micropython-{board}-stubs", tmp_path / board)
    )
    env = dict(os.environ, MYPYPATH=os.pathsep.join([board_stubs, str(ROOT / "edge_agent" / "nodelink")]))
    cmd = [
        sys.executable,
        "-m",
        "mypy",
        "--config-file",
        str(FIRMWARE / "mypy.ini"),
        "--custom-typeshed-dir",
        str(typeshed),
        "--platform",
        board,
        "--cache-dir",
        str(tmp_path / "cache"),
        *(str(FIRMWARE / name) for name in ("main.py", "node.py", "board.py")),
    ]
    out = subprocess.run(cmd, capture_output=True, text=True, env=env, cwd=tmp_path, timeout=300)
    assert out.returncode == 0, out.stdout + out.stderr
