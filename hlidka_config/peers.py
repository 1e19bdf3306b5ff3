"""Agent-to-agent lockdown: the site key and the timing of peer messages.

Rule: a lockdown must not depend on the school server, so every agent tells the others itself,
over the broker's site-wide channel and directly over the LAN (``agents[].peer``). Both carry
the same message, authenticated with the site key; without a key file the peer path is off and
a lockdown reaches the other entrances only through the gateway.
"""

from __future__ import annotations

from typing import Self

from pydantic import BaseModel, Field, model_validator

from .fields import STRICT_MODEL, RelativeFile, config_error

#: The site key: 32 random bytes, written as 64 hex digits on one line.
SITE_KEY_BYTES = 32


class PeerLinkConfig(BaseModel):
    model_config = STRICT_MODEL

    key_file: RelativeFile | None = Field(
        default=None, description="Site key (64 hex digits) shared by the site's agents; no key: peer path off"
    )
    window_s: float = Field(
        default=30.0, ge=5.0, le=300.0, description="Replay window: a message older or newer than this is refused"
    )
    resend_s: float = Field(
        default=0.2, ge=0.05, le=2.0, description="Resend a LAN datagram a peer has not acknowledged after"
    )
    give_up_s: float = Field(
        default=30.0, ge=1.0, le=300.0, description="Stop resending to a peer that never acknowledged after"
    )

    @model_validator(mode="after")
    def resend_inside_window(self) -> Self:
        # A copy sent after the window closes is refused by its receiver: resending it is noise.
        if self.give_up_s > self.window_s:
            raise config_error(
                "give_up_s is longer than the replay window.",
                f"set give_up_s to at most window_s ({self.window_s:g}).",
                key="give_up_s",
            )
        return self
