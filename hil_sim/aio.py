"""asyncio helpers shared by the simulator's network pieces."""

from __future__ import annotations

import asyncio
from typing import Any


def quiet_cancellations(loop: asyncio.AbstractEventLoop, context: dict[str, Any]) -> None:
    """Loop exception handler: a cancelled connection handler is an intended outage, not an error.

    Cancelling a stream handler makes Python 3.11's stream callback log the
    CancelledError; the simulator cancels them on purpose (cut links, receivers down).
    """
    if isinstance(context.get("exception"), asyncio.CancelledError):
        return
    loop.default_exception_handler(context)
