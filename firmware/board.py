"""Pins per board, chosen by ``sys.platform``: the only file that knows the wiring.

``node_config.py`` (written per node at install time, see README) names the
node and may override the heartbeat; without it the node calls itself
"node-" + its unique id.

* ``rp2`` (Raspberry Pi Pico): inputs GP2..GP5 to GND with internal pull-ups,
  LEDs GP6..GP9 (through 330 ohm), UART0 on GP0 (TX) / GP1 (RX), supply VSYS/3 on ADC 3 (GP29).
* ``esp32`` (DevKitC): inputs GPIO 25, 26, 27, 14 to GND with pull-ups, LEDs GPIO 18, 19, 21, 22,
  UART2 on GPIO 17 (TX) / 16 (RX), supply through a 2:1 divider on GPIO 34.
* anything else (the MicroPython unix port under ``hil_sim``): pins named "IN0".."IN3" and "LED0".."LED3".

A classroom node has its panic button on input 0 and its "room secured" button on input 1
(GP3 / GPIO 26, LED GP7 / GPIO 19); the site file gives each input its meaning, not this file.
"""

import sys

import machine
from machine import ADC, UART, Pin

try:
    import node_config  # type: ignore[import-not-found]

    NODE_ID: str = node_config.NODE_ID
    HEARTBEAT_MS: int = getattr(node_config, "HEARTBEAT_MS", 5000)
except ImportError:
    NODE_ID = "node-" + "".join("%02x" % b for b in machine.unique_id())
    HEARTBEAT_MS = 5000

BAUD = 115200
DEBOUNCE_MS = 30
LOOP_MS = 5
# The RP2040 watchdog cannot wait longer than 8.3 s.
WDT_MS = 4000

if sys.platform == "rp2":
    _INPUTS = (2, 3, 4, 5)
    _LEDS = (6, 7, 8, 9)
    _UART = (0, 0, 1)  # id, tx, rx
    _ADC = 29
    _SUPPLY_SCALE_MV = 3 * 3300  # VSYS/3 against a 3.3 V reference
elif sys.platform == "esp32":
    _INPUTS = (25, 26, 27, 14)
    _LEDS = (18, 19, 21, 22)
    _UART = (2, 17, 16)
    _ADC = 34
    _SUPPLY_SCALE_MV = 2 * 3300  # 2:1 divider, 11 dB attenuation
else:
    _INPUTS = ("IN0", "IN1", "IN2", "IN3")  # type: ignore[assignment]
    _LEDS = ("LED0", "LED1", "LED2", "LED3")  # type: ignore[assignment]
    _UART = (0, 0, 1)
    _ADC = "VSYS"  # type: ignore[assignment]
    _SUPPLY_SCALE_MV = 3 * 3300


def inputs() -> "list[Pin]":
    """The contacts, active low: pressed button, open door (NC reed) and tripped tamper pull to GND."""
    return [Pin(p, Pin.IN, Pin.PULL_UP) for p in _INPUTS]


def leds() -> "list[Pin]":
    return [Pin(p, Pin.OUT, value=0) for p in _LEDS]


def uart() -> UART:
    uid, tx, rx = _UART
    return UART(uid, baudrate=BAUD, tx=Pin(tx), rx=Pin(rx))


def supply() -> ADC:
    if sys.platform == "esp32":
        return ADC(Pin(_ADC), atten=ADC.ATTN_11DB)
    return ADC(_ADC)


def supply_mv(adc: ADC) -> int:
    return adc.read_u16() * _SUPPLY_SCALE_MV // 65535
