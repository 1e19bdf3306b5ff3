"""Compiling the detector's Numba kernels ahead, so a camera never waits for the compiler.

Numba compiles a kernel at its first call and caches the machine code beside the modules
(or in ``NUMBA_CACHE_DIR``). With an empty cache that first call takes tens of seconds (the
group kernels compile later still, when a group first appears), and a camera stuck in it sends
no frames. So the installer compiles once at install time (``hlidka-agent compile``), and the
agent compiles again in each camera's thread before its first frame: with the cache filled
that is loading, about a second; with it empty the camera is *starting* meanwhile (the core's
start grace), never silent mid-stream.

After the compile, LLVM's code, some 100 MB of ``libllvmlite.so`` paged in to compile or load the
kernels and idle from then on, is unmapped (``release_compiler_pages``): those pages stay in the
page cache and fault back in if Numba ever compiles again (a kernel met with a new type), so nothing
breaks, but the agent no longer holds them. (glibc's ``malloc_trim`` after the compile was measured
too and left out: at most 1 MB, within the runs' noise, as the detector reuses that heap at once.)
"""

from __future__ import annotations

import ctypes
import ctypes.util
import threading
import time
from pathlib import Path

import numpy as np

from .config import DetectorConfig, Tripwire, Zone
from .detector import Detector

_lock = threading.Lock()
_done = False


def warmup() -> float:
    """Drive every kernel with every input layout the agent uses; returns seconds taken."""
    start = time.perf_counter()
    rng = np.random.default_rng(0)
    zone = Zone("all", ((0.0, 0.0), (1.0, 0.0), (1.0, 1.0), (0.0, 1.0)), loiter_s=0.5)
    wire = Tripwire("line", (0.0, 0.5), (1.0, 0.5), "main")
    for downscale in (1, 2, 4):
        cfg = DetectorConfig(
            width=64, height=48, downscale=downscale, zones=(zone,), tripwires=(wire,),
            object_left_s=0.5, static_check_s=0.2, static_every_s=0.1, tamper_every_s=0.1,
        )  # fmt: skip
        det = Detector(cfg)
        bg = rng.integers(80, 120, (48, 64), dtype=np.uint8)
        for i in range(30):
            frame = bg.copy()
            frame[10 + i : 20 + i, 20:30] = 10
            det.process(frame, i * 0.1)
            det.process(np.dstack([frame] * 3), i * 0.1 + 0.05)
    # Two people side by side, one person's size set: the group kernels (split, cores).
    cfg = DetectorConfig(width=64, height=48, downscale=1, tripwires=(wire,), person_area=80 / (64 * 48))
    det = Detector(cfg)
    bg = rng.integers(80, 120, (48, 64), dtype=np.uint8)
    for i in range(20):
        frame = bg.copy()
        frame[5 + i : 15 + i, 20:28] = 10
        frame[5 + i : 15 + i, 28:36] = 200
        det.process(frame, i * 0.1)
    # The detector's fused calls (``foreground``, ``open_static``) and the ghost check
    # (``ghosts.relearn_if_ghost``) are compiled by the frames above: the moving square
    # leaves static pixels that the static check opens and judges.
    return time.perf_counter() - start


MADV_DONTNEED = 4  # Linux: drop the range's pages from this process; a file mapping re-reads them on use


def _libc() -> ctypes.CDLL | None:
    name = ctypes.util.find_library("c")
    try:
        return ctypes.CDLL(name, use_errno=True) if name else None
    except OSError:
        return None


def clean_library_ranges(smaps: str, library: str) -> list[tuple[int, int]]:
    """(start, length) of ``library``'s mappings in ``smaps`` (``/proc/<pid>/smaps`` text) that hold only
    pages as they are in the file: not writable, and no page copied on write (``Anonymous: 0 kB``; the
    loader's relocated read-only data has such copies, and dropping them would lose the relocations)."""
    out: list[tuple[int, int]] = []
    current: tuple[int, int] | None = None
    for line in smaps.splitlines():
        fields = line.split()
        if not fields:
            continue
        if not fields[0].endswith(":"):  # a mapping's header: "start-end perms offset dev inode [path]"
            path = fields[5] if len(fields) > 5 else ""
            wanted = Path(path).name.startswith(library) and "w" not in fields[1]
            start, end = (int(x, 16) for x in fields[0].split("-"))
            current = (start, end - start) if wanted else None
        elif fields[0] == "Anonymous:" and current is not None:
            if fields[1] == "0":
                out.append(current)
            current = None
    return out


def release_compiler_pages(library: str = "libllvmlite") -> int:
    """Unmap the resident pages of the compiler's library that are plain file contents; bytes of mappings
    released (0 where there is no ``/proc`` or no glibc)."""
    libc = _libc()
    try:
        smaps = Path("/proc/self/smaps").read_text()
    except OSError:
        return 0
    if libc is None:
        return 0
    libc.madvise.argtypes, libc.madvise.restype = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int], ctypes.c_int
    done = 0
    for start, length in clean_library_ranges(smaps, library):
        if libc.madvise(start, length, MADV_DONTNEED) == 0:
            done += length
    return done


def compile_once() -> None:
    """``warmup`` once per process, then ``release_compiler_pages``; every camera thread calls it, the
    others wait for the first."""
    global _done  # one flag per process, as Numba's dispatchers are per process
    with _lock:
        if not _done:
            warmup()
            release_compiler_pages()
            _done = True
