"""The alarm sound: a short two-tone WAV made here, so nothing is fetched and no binary is committed."""

from __future__ import annotations

import io
import math
import struct
import wave
from functools import cache

RATE = 16_000


@cache
def alarm_wav() -> bytes:
    """0.9 s of 880 Hz / 660 Hz alternating every 0.15 s, 16-bit mono: a hi-lo alarm, small (~29 kB)."""
    frames = bytearray()
    for n in range(int(RATE * 0.9)):
        tone = 880.0 if (n // int(RATE * 0.15)) % 2 == 0 else 660.0
        frames += struct.pack("<h", int(0.6 * 32767 * math.sin(2 * math.pi * tone * n / RATE)))
    out = io.BytesIO()
    with wave.open(out, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(RATE)
        w.writeframes(bytes(frames))
    return out.getvalue()
