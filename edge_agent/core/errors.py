"""Errors the core raises; raising never changes the state (a step is all or nothing).

Rule: an input naming something the configuration does not have is a wiring or shell bug, not
an alarm condition, so the core refuses it loudly instead of guessing. Commands are different:
a bad command is the sender's problem and is answered with a rejected ``AckCommand``.
"""

from __future__ import annotations


class CoreError(ValueError):
    """Base of the alarm core's errors."""


class UnknownInput(CoreError):
    """The input names an input, device, camera or timer this agent's config does not have."""
