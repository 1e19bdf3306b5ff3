"""``hlidka-agent walk-test``: commissioning, device by device, into a report.

Every Pi input, every satellite-node input (``walk_devices.py``), every camera tripwire in both
directions, and with ``--outputs`` every output; the report lists each with pass or fail.

Rules: the installer's mistakes are answered with one line and the fix, never a traceback:
- no GPIO pin factory (not on a Pi, and ``GPIOZERO_PIN_FACTORY`` unset or unknown): how to
  choose one, and how to walk-test against the simulator instead;
- the end of input at a prompt (Ctrl-D, a closed pipe) or Ctrl-C: the report so far is saved,
  and what was not proven is marked so.
"""

from __future__ import annotations

import json
import threading
import time
import warnings
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TextIO, TypeVar

from gpiozero.exc import BadPinFactory, PinFactoryFallback

from hlidka_config import AgentConfig

NO_PIN_FACTORY = (
    "{command}: no GPIO pin factory here ({detail}). Fix: run it on the entrance's Raspberry Pi; "
    "elsewhere set GPIOZERO_PIN_FACTORY, e.g. GPIOZERO_PIN_FACTORY=mock to try the commands, or {command} "
    "against the simulator: GPIOZERO_PIN_FACTORY=hlidka-sim HLIDKA_SIM_PINS=<the simulator's pins socket> "
    "hlidka-agent {command} ..."
)


T = TypeVar("T")


class NoPinFactory(RuntimeError):
    """gpiozero found no way to reach pins; the message is the installer's one line."""


def with_pins(build: Callable[[], T], command: str = "walk-test") -> T:
    """``build()``, with gpiozero's "no pin factory" turned into ``NoPinFactory`` (one line)."""
    # gpiozero warns once per factory it falls back from before giving up; the one line
    # below says it all, so those warnings are not shown.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", PinFactoryFallback)
        try:
            return build()
        except BadPinFactory as exc:
            raise NoPinFactory(NO_PIN_FACTORY.format(command=command, detail=str(exc).rstrip("!."))) from None


def walk_test(
    cfg: AgentConfig,
    *,
    timeout: float,
    outputs: bool,
    ask: Callable[[str], str],
    out: TextIO,
    base_dir: Path = Path("."),
) -> tuple[dict[str, Any], bool]:
    """The results so far and whether the walk test ran to its end (False: input ended).

    In order: the Pi's inputs, the satellite nodes' inputs, the cameras' tripwires, then (with
    ``outputs``) each output; ``base_dir`` resolves a camera's ``file:`` source.
    """
    from .walk_devices import walk_cameras, walk_nodes

    results: dict[str, Any] = {"inputs": {}, "nodes": {}, "cameras": {}, "outputs": {}}
    node_inputs = sum(len(n.inputs) for n in cfg.nodes)
    tripwires = sum(len(c.tripwires) for c in cfg.cameras)
    print(
        f"Walk test for {cfg.id}: {len(cfg.inputs)} inputs, {node_inputs} node inputs on {len(cfg.nodes)} nodes, "
        f"{len(cfg.cameras)} cameras with {tripwires} tripwires",
        file=out,
    )
    try:
        if cfg.inputs:
            _walk_inputs(cfg, timeout, out, results["inputs"])
        if cfg.nodes:
            walk_nodes(cfg, timeout, out, results["nodes"])
        if cfg.cameras:
            walk_cameras(cfg, base_dir, timeout, out, results["cameras"])
    except KeyboardInterrupt:
        return results, False
    if not outputs or not cfg.outputs:
        return results, True
    return results, _check_outputs(cfg, ask, results["outputs"])


def _walk_inputs(cfg: AgentConfig, timeout: float, out: TextIO, results: dict[str, Any]) -> None:
    from .gpio_inputs import GpioInputs

    seen: dict[str, threading.Event] = {i.name: threading.Event() for i in cfg.inputs}
    gpio = with_pins(lambda: GpioInputs(cfg.inputs, lambda name, active, t: seen[name].set(), time.time))
    try:
        for inp in cfg.inputs:
            results[inp.name] = {"kind": inp.kind, "pin": inp.pin, "ok": False}
        for inp in cfg.inputs:
            print(f"  trigger {inp.kind} {inp.name!r} (pin {inp.pin}) within {timeout:.0f} s ...", file=out)
            ok = seen[inp.name].wait(timeout)
            results[inp.name]["ok"] = ok
            print(f"    {inp.name}: {'OK' if ok else 'NOT SEEN'}", file=out)
    finally:
        gpio.close()


def _check_outputs(cfg: AgentConfig, ask: Callable[[str], str], results: dict[str, Any]) -> bool:
    """Pulse each output the installer agrees to; False when input ended at a prompt."""
    from .gpio_outputs import GpioOutputs

    outs = with_pins(lambda: GpioOutputs(cfg.outputs))
    try:
        for o in cfg.outputs:
            results[o.name] = {"kind": o.kind, "checked": False}
        for o in cfg.outputs:
            if ask(f"Pulse {o.kind} {o.name!r} (pin {o.pin}) for 2 s? [y/N] ").strip().lower() != "y":
                continue
            outs.set(o.name, not outs.states()[o.name])
            time.sleep(2.0)
            outs.set(o.name, not outs.states()[o.name])
            works = ask(f"Did {o.name!r} work? [y/n] ").strip().lower() == "y"
            results[o.name] = {"kind": o.kind, "checked": True, "ok": works}
    except (EOFError, KeyboardInterrupt):
        return False
    finally:
        outs.close()
    return True


def write_report(path: Path, results: dict[str, Any], *, site: str, agent: str, config: str, complete: bool) -> None:
    results.update(site=site, agent=agent, time=datetime.now(UTC).isoformat(), config=config, complete=complete)
    path.write_text(json.dumps(results, indent=2, ensure_ascii=False))


def not_proven(results: dict[str, Any]) -> list[str]:
    """Every input, node input, node, camera and tripwire direction the walk test did not see."""
    missing = [n for n, r in results["inputs"].items() if not r["ok"]]
    for node, r in results.get("nodes", {}).items():
        missing += [n for n, i in r["inputs"].items() if not i["ok"]] or ([] if r["seen"] else [node])
    for cam, r in results.get("cameras", {}).items():
        if not r["frames"]:
            missing.append(f"{cam} (no frames)")
            continue
        missing += [f"{cam}/{w} {d}" for w, dirs in r["tripwires"].items() for d, ok in dirs.items() if not ok]
    return missing


def summary(path: Path, results: dict[str, Any], complete: bool) -> tuple[str, int]:
    """The closing line and the exit status (3: something was not proven)."""
    missing = not_proven(results)
    failed = [n for n, r in results["outputs"].items() if r.get("checked") and not r.get("ok")]
    line = (
        f"Report written to {path}; not seen: {', '.join(missing) or 'none'}; "
        f"outputs failed: {', '.join(failed) or 'none'}"
    )
    if not complete:
        unasked = [n for n, r in results["outputs"].items() if not r.get("checked")]
        line = (
            f"walk-test: input ended at a prompt; report so far written to {path} "
            f"(outputs not checked: {', '.join(unasked) or 'none'}). Fix: run walk-test again "
            "in a terminal to finish (add --outputs only when someone can answer the prompts)."
        )
    return line, 3 if missing or failed or not complete else 0
