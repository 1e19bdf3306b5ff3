"""Frame sources: V4L2/USB, RTSP and files through PyAV, picamera2 on a Pi, and registered ones.

Rule: each source hands out gray (Y-plane) uint8 frames; devices and decoders are
imported only when a source is opened, so the agent runs without them.

Why PyAV rather than OpenCV for capture: it decodes straight to YUV and the Y
plane *is* the gray frame (no colour conversion, which costs more than the
detector), it exposes FFmpeg's RTSP options (TCP transport, socket timeouts) so a
dead camera raises instead of hanging, and it is a ~30 MB wheel with no GUI or
contrib baggage. OpenCV stays a bench/dev dependency for the baselines.

Blocking decoders run in a reader thread that keeps only the newest frame:
``read(timeout)`` never blocks longer than asked, so :class:`CameraLoop` can tell
a stalled camera from a slow one.
"""

from __future__ import annotations

import contextlib
import importlib
import queue
import threading
from collections.abc import Callable, Iterator
from importlib.metadata import entry_points
from typing import Any, Protocol

import numpy as np
import numpy.typing as npt

Frame = npt.NDArray[np.uint8]


class SourceError(RuntimeError):
    """The source is gone (device unplugged, stream ended, decoder failed)."""


class FrameSource(Protocol):
    #: Nominal frames per second; a source silent for 3 frame times is stalled.
    fps: float

    def read(self, timeout: float) -> Frame | None:
        """The next frame, or None if none came within ``timeout`` seconds; raises SourceError."""
        ...

    def close(self) -> None: ...


class ThreadedSource:
    """Runs a blocking ``frames`` iterator in a daemon thread; keeps only the newest frame."""

    def __init__(self, frames: Iterator[Frame], fps: float, close: Callable[[], None] | None = None) -> None:
        self.fps = fps
        self._slot: queue.Queue[Frame | BaseException] = queue.Queue(maxsize=1)
        self._stop = threading.Event()
        self._close = close
        self._thread = threading.Thread(target=self._pump, args=(frames,), name="camera-reader", daemon=True)
        self._thread.start()

    def _pump(self, frames: Iterator[Frame]) -> None:
        try:
            for frame in frames:
                if self._stop.is_set():
                    return
                self._offer(frame)
            self._offer(SourceError("stream ended"))
        except Exception as exc:  # the decoder's own errors, translated at this boundary
            self._offer(SourceError(f"{type(exc).__name__}: {exc}"))

    def _offer(self, item: Frame | BaseException) -> None:
        while True:
            try:
                self._slot.put_nowait(item)
                return
            except queue.Full:
                with contextlib.suppress(queue.Empty):
                    self._slot.get_nowait()

    def read(self, timeout: float) -> Frame | None:
        try:
            item = self._slot.get(timeout=timeout)
        except queue.Empty:
            return None
        if isinstance(item, BaseException):
            raise item
        return item

    def close(self, timeout: float = 5.0) -> None:
        """Stop the reader, then release the device: closing a decoder under a running
        decode crashes FFmpeg, so a reader stuck past ``timeout`` keeps its device."""
        self._stop.set()
        self._thread.join(timeout)
        if self._close is not None and not self._thread.is_alive():
            self._close()


def _y_plane(frame: Any) -> Frame:
    """The luma plane of a decoded PyAV frame, without colour conversion."""
    if frame.format.name not in ("yuv420p", "yuvj420p", "yuv422p", "yuvj422p", "yuv444p", "nv12", "gray"):
        return np.asarray(frame.to_ndarray(format="gray"), dtype=np.uint8)
    plane = frame.planes[0]
    rows = np.frombuffer(plane, np.uint8).reshape(frame.height, plane.line_size)
    return np.ascontiguousarray(rows[:, : frame.width])


def open_pyav(
    url: str, fps: float = 10.0, options: dict[str, str] | None = None, fmt: str | None = None
) -> ThreadedSource:
    """A V4L2 device (``fmt="v4l2"``), an RTSP URL or a video file, decoded by PyAV."""
    try:
        import av
    except ImportError as exc:
        raise SourceError("PyAV is not installed: pip install 'hlidka[camera]' (package av)") from exc
    opts = dict(options or {})
    if url.startswith("rtsp://"):
        opts.setdefault("rtsp_transport", "tcp")
        opts.setdefault("timeout", "5000000")  # µs: a dead camera raises instead of hanging
    try:
        container = av.open(url, format=fmt, options=opts, timeout=5.0)
    except Exception as exc:
        raise SourceError(f"cannot open {url}: {exc}") from exc
    stream = container.streams.video[0]
    stream.thread_type = "AUTO"
    rate = float(stream.average_rate) if stream.average_rate else fps

    def frames() -> Iterator[Frame]:
        for frame in container.decode(stream):
            yield _y_plane(frame)

    return ThreadedSource(frames(), rate, container.close)


def open_picamera2(width: int, height: int, fps: float = 10.0) -> ThreadedSource:
    """The Pi camera through picamera2, YUV420 so the first ``height`` rows are gray."""
    try:
        picamera2 = importlib.import_module("picamera2")  # optional: only on a Pi
    except ImportError as exc:
        raise SourceError("picamera2 is not installed (apt install python3-picamera2)") from exc
    cam = picamera2.Picamera2()
    cam.configure(cam.create_video_configuration(main={"size": (width, height), "format": "YUV420"}))
    cam.set_controls({"FrameRate": fps})
    cam.start()

    def frames() -> Iterator[Frame]:
        while True:
            yield np.ascontiguousarray(cam.capture_array("main")[:height, :width])

    def close() -> None:
        cam.stop()
        cam.close()

    return ThreadedSource(frames(), fps, close)


#: Entry-point group through which other packages add frame sources by URI scheme; the
#: simulator registers ``synthetic`` there, so production code never imports it.
SOURCE_ENTRY_POINTS = "hlidka_frame_sources"


def _registered(scheme: str) -> Callable[[str, int, int, float], FrameSource] | None:
    for ep in entry_points(group=SOURCE_ENTRY_POINTS, name=scheme):
        opener: Callable[[str, int, int, float], FrameSource] = ep.load()
        return opener
    return None


def open_source(uri: str, width: int, height: int, fps: float = 10.0) -> FrameSource:
    """``picamera2:``, ``/dev/videoN``, ``rtsp://…``, a file path, or ``<scheme>:<rest>`` of a
    source registered in the ``hlidka_frame_sources`` entry-point group (the simulator's
    ``synthetic:<scene>``)."""
    scheme, sep, rest = uri.partition(":")
    if sep and scheme not in ("picamera2", "rtsp", "http", "https", "file"):
        opener = _registered(scheme)
        if opener is not None:
            return opener(rest, width, height, fps)
        if scheme == "synthetic":
            raise SourceError("no 'synthetic' frame source installed: it comes with the simulator (pip install -e .)")
    if uri.startswith("picamera2:"):
        return open_picamera2(width, height, fps)
    if uri.startswith("/dev/video"):
        opts = {"video_size": f"{width}x{height}", "framerate": f"{fps:g}"}
        return open_pyav(uri, fps, opts, fmt="v4l2")
    return open_pyav(uri, fps)
