"""The wiring rules, in one place: what a contact's level means and what a relay's level does.

Used by the GPIO inputs and outputs, the installer's wiring map and the simulator, so the four
can never disagree about a door loop or a lock.

- Doors and tamper switches are **normally-closed loops**: closed while the door is shut or the
  lid is on, so a cut wire reads as open / tampered. Buttons and key switches are normally open:
  pressed or on closes the contact.
- With an internal pull the contact pulls the pin to the opposite rail when closed, so gpiozero's
  "active" (pin away from its pull) means "contact closed"; an NC loop is active when it is *not*.
  With ``pull = "external"`` the board's resistor decides and ``active_state`` is the level of
  "active".
- A lock's meaning is "locked", whatever the wiring: a **fail-safe** lock (EN 13637 fire egress)
  is locked while powered (releases on power loss), a **fail-secure** lock is locked without
  power. ``active_high`` says which pin level energises the relay.

Pure: config in, booleans and words out; nothing here touches a pin.
"""

from __future__ import annotations

from typing import Final

from hlidka_config import InputConfig, OutputConfig

#: Input kinds wired as normally-closed loops: open contact = active.
NORMALLY_CLOSED: Final = frozenset({"door", "tamper"})


def normally_closed(cfg: InputConfig) -> bool:
    return cfg.kind in NORMALLY_CLOSED


def internal_pull(cfg: InputConfig) -> bool | None:
    """gpiozero's ``pull_up``: True (up), False (down) or None (an external resistor)."""
    return {"up": True, "down": False, "external": None}[cfg.pull]


def inverts(cfg: InputConfig) -> bool:
    """Whether "active" is the opposite of gpiozero's ``is_active`` (an NC loop on an internal pull)."""
    return normally_closed(cfg) and cfg.pull != "external"


def input_level(cfg: InputConfig, active: bool) -> bool:
    """The level the wire imposes when the input is ``active`` (door open, button pressed)."""
    if cfg.pull == "external":
        return (cfg.active_state == "high") == active
    pull_high = cfg.pull == "up"
    contact_closed = active != normally_closed(cfg)
    return (not pull_high) if contact_closed else pull_high


def energised(cfg: OutputConfig, on: bool) -> bool:
    """Whether the relay is powered for the core's ``on`` (a lock: locked)."""
    if cfg.kind == "lock" and cfg.fail == "secure":
        return not on
    return on


def meaning(cfg: OutputConfig, is_energised: bool) -> bool:
    """The core's meaning of a relay state (the mapping is its own inverse)."""
    return energised(cfg, is_energised)


def output_active(cfg: OutputConfig, level: bool) -> bool:
    """Whether an output whose pin is at ``level`` is active (a lock: locked; others: on)."""
    return meaning(cfg, level == cfg.active_high)


def contact_text(cfg: InputConfig) -> str:
    """How to wire an input, for the installer."""
    if cfg.pull == "external":
        level = "high" if cfg.active_state == "high" else "low"
        state = "open" if cfg.kind == "door" else "active"
        return f"external resistor on the board; the line is {level} when {state}"
    to = "GND" if cfg.pull == "up" else "3V3"
    if cfg.kind == "door":
        return f"normally-closed contact to {to}: closed door = contact closed; a cut wire reads as open"
    if cfg.kind == "tamper":
        return f"normally-closed enclosure switch to {to}, closed while the lid is shut; a cut wire reads as tamper"
    return f"normally-open contact to {to}: pressed/on = contact closed"


def relay_text(cfg: OutputConfig) -> str:
    """How to wire an output, for the installer."""
    level = "high" if cfg.active_high else "low"
    if cfg.kind == "lock":
        power = "energised to lock (releases on power loss)" if cfg.fail == "safe" else "unpowered to lock"
        egress = "; FIRE EGRESS: never held locked by Hlídka" if cfg.fire_egress else ""
        return f"relay driver, {level} = relay on; fail-{cfg.fail}: {power}{egress}"
    return f"relay or driver, {level} = on"
