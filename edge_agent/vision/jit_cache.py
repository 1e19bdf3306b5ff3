"""Keep Numba's on-disk cache honest when one compiled module calls another's kernels.

Numba caches a function's machine code keyed by the modification time and size of *its own*
source file. A compiled function that calls kernels of another module (the detector's fused
frame call in :mod:`foreground` runs those of :mod:`kernels` and :mod:`morph` inlined) keeps
their old code after only the other file changed: nothing tells Numba to compile again.

So the package's sources are hashed together once per process, before any kernel is loaded,
and compared with a stamp kept beside the cache; if they differ, every cached function of the
package is dropped (its index emptied) and compiles afresh at its first call. An unchanged
package costs one hash of a few hundred kilobytes; a changed one a full compile, which
``hlidka-agent compile`` at install time does anyway.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Iterable
from pathlib import Path
from types import ModuleType
from typing import Any

from numba.core.registry import CPUDispatcher

log = logging.getLogger(__name__)

STAMP = "hlidka-sources.sha256"


def sources_digest(files: Iterable[Path]) -> str:
    """One SHA-256 over the files' names and contents, in name order."""
    h = hashlib.sha256()
    for path in sorted(files, key=lambda p: p.name):
        h.update(path.name.encode())
        h.update(b"\0")
        h.update(path.read_bytes())
        h.update(b"\0")
    return h.hexdigest()


def dispatchers(modules: Iterable[ModuleType]) -> list[Any]:
    """The cached Numba functions the modules define (not the ones they import)."""
    out = []
    for module in modules:
        for value in vars(module).values():
            if isinstance(value, CPUDispatcher) and value.py_func.__module__ == module.__name__:
                out.append(value)
    return out


def drop_if_changed(modules: list[ModuleType]) -> bool:
    """Empty the modules' Numba cache if their sources changed since it was filled; True if it was.

    Call it before the first kernel runs in the process. A cache directory that cannot be
    written is left alone (Numba itself then caches nothing there either).
    """
    funcs = [d for d in dispatchers(modules) if getattr(d._cache, "cache_path", None)]
    # Only a module that defines compiled functions can end up inlined in another's.
    files = {Path(m.__file__) for m in modules if m.__file__ and dispatchers([m])}
    if not funcs or not files:
        return False
    digest = sources_digest(files)
    stamp = Path(funcs[0]._cache.cache_path) / STAMP
    try:
        if stamp.read_text(encoding="ascii").strip() == digest:
            return False
    except OSError:
        pass  # no stamp yet: a cache filled before the stamp existed may be stale too
    for func in funcs:
        func._cache.flush()
    try:
        stamp.parent.mkdir(parents=True, exist_ok=True)
        stamp.write_text(digest + "\n", encoding="ascii")
    except OSError as exc:
        log.warning("cannot write the kernel cache stamp %s: %s", stamp, exc)
    return True
