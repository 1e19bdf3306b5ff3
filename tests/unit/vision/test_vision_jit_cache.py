"""The kernel cache is dropped when another compiled module of the package changed.

Real Numba in fresh processes, each loading what the one before cached: a function that calls
another module's kernel keeps that kernel's old code in Numba's cache (keyed by its own file
only) unless ``jit_cache.drop_if_changed`` sees the package's sources changed.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]

KERNEL = "from numba import njit\n\n\n@njit(cache=True)\ndef f():\n    return {}\n"
CALLER = "from numba import njit\n\nfrom .a import f\n\n\n@njit(cache=True)\ndef g():\n    return f() + 10\n"
RUN = """
import sys
sys.path[:0] = [{pkg!r}, {root!r}]
import pkg.a, pkg.b
from edge_agent.vision.jit_cache import drop_if_changed
dropped = drop_if_changed([pkg.a, pkg.b]) if {guard} else None
print(pkg.b.g(), dropped)
"""


def _run(tmp: Path, guard: bool) -> str:
    code = RUN.format(pkg=str(tmp), root=str(ROOT), guard=guard)
    env = {**os.environ, "NUMBA_CACHE_DIR": str(tmp / "cache")}
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    return out.stdout.strip()


def _write_kernel(tmp: Path, value: int, bump: float) -> None:
    a = tmp / "pkg" / "a.py"
    a.write_text(KERNEL.format(value))
    st = a.stat()
    os.utime(a, (st.st_atime + bump, st.st_mtime + bump))  # a distinct stamp for Numba whatever the clock


def test_a_changed_kernel_reaches_its_caller_through_the_cache(tmp_path: Path) -> None:
    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg" / "__init__.py").write_text("")
    (tmp_path / "pkg" / "b.py").write_text(CALLER)
    _write_kernel(tmp_path, 1, 0)
    assert _run(tmp_path, guard=True) == "11 True"  # first run: no stamp yet
    assert _run(tmp_path, guard=True) == "11 False"  # same sources: the cache is kept

    _write_kernel(tmp_path, 2, 10)
    # Why the guard exists: without it the caller's cached code still holds the old kernel.
    assert _run(tmp_path, guard=False) == "11 None"
    assert _run(tmp_path, guard=True) == "12 True"
    assert _run(tmp_path, guard=True) == "12 False"
