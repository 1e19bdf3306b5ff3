"""After the start-up compile the agent hands LLVM's idle code pages out of its address space, without
losing anything Numba needs to compile again."""

from __future__ import annotations

from pathlib import Path

import numba
import numpy as np

from edge_agent.vision.compile import clean_library_ranges, release_compiler_pages

SMAPS = """\
7f0000000000-7f0000010000 r--p 00000000 08:01 42 /venv/llvmlite/binding/libllvmlite.so
Rss:                  64 kB
Anonymous:             0 kB
7f0000010000-7f0000050000 r-xp 00010000 08:01 42 /venv/llvmlite/binding/libllvmlite.so
Size:                256 kB
Rss:                 256 kB
Anonymous:             0 kB
7f0000050000-7f0000060000 r--p 00050000 08:01 42 /venv/llvmlite/binding/libllvmlite.so
Rss:                  64 kB
Anonymous:            64 kB
7f0000060000-7f0000061000 rw-p 00060000 08:01 42 /venv/llvmlite/binding/libllvmlite.so
Anonymous:             0 kB
7f0000061000-7f0000062000 r-xp 00000000 08:01 43 /usr/lib/libc.so.6
Anonymous:             0 kB
7f0000070000-7f0000071000 rw-p 00000000 00:00 0
Anonymous:             4 kB
"""


def test_only_the_librarys_unwritten_pages_as_in_the_file_are_chosen() -> None:
    # Not the relocated read-only data (copied on write) nor the writable data: dropping those loses state.
    assert clean_library_ranges(SMAPS, "libllvmlite") == [(0x7F0000000000, 0x10000), (0x7F0000010000, 0x40000)]
    assert clean_library_ranges(SMAPS, "libnothing") == []


def _library_rss_kb(name: str) -> int:
    total, inside = 0, False
    for line in Path("/proc/self/smaps").read_text().splitlines():
        fields = line.split()
        if fields and not fields[0].endswith(":"):
            inside = len(fields) > 5 and Path(fields[5]).name.startswith(name)
        elif inside and fields and fields[0] == "Rss:":
            total += int(fields[1])
    return total


def test_released_llvm_pages_leave_this_process_and_numba_still_compiles() -> None:
    before = _library_rss_kb("libllvmlite")
    assert before > 0  # Numba is loaded, so is LLVM
    assert release_compiler_pages() > 0
    assert _library_rss_kb("libllvmlite") < before

    @numba.njit(cache=False)  # a kernel never seen: LLVM runs again from the pages it faults back in
    def doubled(a: np.ndarray) -> np.ndarray:  # type: ignore[type-arg]
        return a * 2

    assert doubled(np.arange(4)).tolist() == [0, 2, 4, 6]
