"""The node's main loop: sample, debounce, talk to the agent, drive the LEDs, feed the watchdog.

Every pass is bounded (no blocking reads, no retry loops): a pass that hangs
starves the watchdog and the board resets, which the agent then sees as a
BOOT with reset cause "watchdog".
"""

import time

import board
import machine
import wire
from node import Node

FIRMWARE = "0.1.0"

_CAUSES = (
    ("PWRON_RESET", 1),
    ("HARD_RESET", 2),
    ("WDT_RESET", 3),
    ("DEEPSLEEP_RESET", 4),
    ("SOFT_RESET", 5),
    ("BROWNOUT_RESET", 6),
)


def reset_cause_code() -> int:
    """machine.reset_cause() as a wire.RESET_CAUSES index; ports define different subsets."""
    cause = machine.reset_cause()
    for name, code in _CAUSES:
        if getattr(machine, name, None) == cause:
            return code
    return 0


def main() -> None:
    wdt = machine.WDT(timeout=board.WDT_MS)
    inputs = board.inputs()
    leds = board.leds()
    uart = board.uart()
    adc = board.supply()
    now = time.ticks_ms()
    node = Node(
        board.NODE_ID,
        len(inputs),
        now,
        heartbeat_ms=board.HEARTBEAT_MS,
        debounce_ms=board.DEBOUNCE_MS,
        firmware=FIRMWARE,
        reset_cause=reset_cause_code(),
    )
    decoder = wire.Decoder()
    while True:
        now = time.ticks_ms()
        for i, pin in enumerate(inputs):
            node.sample(i, pin.value() == 0, now)
        if uart.any():
            data = uart.read()
            if data:
                for frame in decoder.feed(data):
                    node.receive(frame, now)
        for raw in node.poll(now, board.supply_mv(adc)):
            uart.write(raw)
        for i, led in enumerate(leds):
            led.value(node.led(i, now))
        wdt.feed()
        time.sleep_ms(board.LOOP_MS)


main()
