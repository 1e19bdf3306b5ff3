"""``hlidka-agent`` (``python -m edge_agent``): run, check-config, wiring, walk-test, compile, status.

Exit codes: 0 fine, 2 a mistake to fix before it can run (invalid config,
unknown agent, no command key without the lab opt-in, an unreadable or
malformed CA, key or credentials file, no GPIO pin factory), 3 walk test
with an input, node input or tripwire crossing not seen, an output failed,
or cut short,
4 agent not running (status). Every user mistake is one line with its fix.
``status`` reads the small JSON file the running agent rewrites every second
next to its outbox (``<outbox>.status.json``), so it needs no broker.
"""

from __future__ import annotations

import argparse
import json
import logging
import signal
import sys
import time
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TextIO

from hlidka_config import ConfigError, SiteConfig, load_config, unsigned_refusal
from hlidka_config.checks import unsigned_agents

from . import logs

log = logging.getLogger("edge_agent")
STALE_S = 10.0


def _load(path: str, agent: str | None, err: TextIO) -> SiteConfig | None:
    try:
        site = load_config(path)
        if agent is not None:
            site.agent(agent)
    except ConfigError as exc:
        print(exc, file=err)
        return None
    except KeyError as exc:
        print(f"{path}: agents: {exc.args[0]} Fix: use one of the [[agents]] ids.", file=err)
        return None
    return site


def cmd_run(args: argparse.Namespace) -> int:
    logs.setup(args.log_level)
    site = _load(args.config, args.agent, sys.stderr)
    if site is None or not _signed_or_lab(site, args.agent, sys.stderr, warn=False) or not _files_ok(site, sys.stderr):
        return 2
    from .app import build_agent
    from .walk_test import NoPinFactory, with_pins

    try:
        agent = with_pins(lambda: build_agent(site, args.agent), "run")
    except NoPinFactory as exc:
        print(exc, file=sys.stderr)
        return 2
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: agent.stop())
    agent.run()
    return 0


def _signed_or_lab(site: SiteConfig, agent: str | None, err: TextIO, warn: bool = True) -> bool:
    """False (and why, with the fix) for an agent without a command key and without the lab opt-in.

    With the opt-in it is true and, with ``warn``, the warning is printed: the installer sees it every
    check. ``run`` leaves the warning to the agent's log, which says it at every start.
    """
    refusal = unsigned_refusal(site, agent)
    if refusal is not None:
        print(refusal, file=err)
        return False
    for warning in unsigned_agents(site, agent) if warn else []:
        print(warning, file=err)
    return True


def _files_ok(site: SiteConfig, err: TextIO) -> bool:
    from .preflight import broker_problems

    problems = broker_problems(site)
    for problem in problems:
        print(problem.line(), file=err)
    return not problems


def cmd_check(args: argparse.Namespace) -> int:
    site = _load(args.config, args.agent, sys.stderr)
    if site is None or not _files_ok(site, sys.stderr) or not _signed_or_lab(site, args.agent, sys.stderr):
        return 2
    which = f"agent {args.agent}" if args.agent else f"{len(site.agents)} agents"
    print(f"OK: {args.config}: site {site.site.id}, {which}")
    return 0


def cmd_status(args: argparse.Namespace, out: TextIO | None = None) -> int:
    out = out or sys.stdout
    site = _load(args.config, args.agent, sys.stderr)
    if site is None:
        return 2
    from .status_file import status_path_for

    path = status_path_for(site.resolve_state(site.agent(args.agent).outbox_path()))
    try:
        st: dict[str, Any] = json.loads(path.read_text())
    except (OSError, ValueError):
        print(f"agent {args.agent}: no status file at {path}: not running here", file=out)
        return 4
    age = time.time() - float(st["time"])
    snap = st["snapshot"]
    running = st.get("running", False) and age < STALE_S
    print(f"agent {args.agent}: {'running' if running else 'NOT running'} (status {age:.0f} s old)", file=out)
    print(f"  link: {'up' if st['link']['up'] else 'DOWN ' + str(st['link']['error'])}", file=out)
    print(f"  outbox: {st['outbox']['pending']} unacknowledged, seq {st['outbox']['high_water_seq']}", file=out)
    doors = ", ".join(f"{k} {v}" for k, v in snap["doors"].items()) or "none reported"
    print(f"  doors: {doors}", file=out)
    print(f"  panic: {', '.join(snap['panic_latched']) or 'none'}", file=out)
    drill = f" (drill {snap['drill']})" if snap["drill"] else ""
    print(f"  lockdown: {'ON' if snap['lockdown'] else 'off'}{drill}", file=out)
    print(f"  evacuation: {'ON' if snap.get('evacuation') else 'off'}", file=out)
    if st.get("commands") == "unsigned":
        print('  commands: UNSIGNED (unsigned_commands = "lab-only": obeys anyone on the broker)', file=out)
    else:
        print("  commands: signed", file=out)
    peers = st.get("peers")
    if peers is not None:
        shown = ", ".join(f"{k} {v}" for k, v in sorted(peers.items())) or "nothing sent or received yet"
        print(f"  peers: {shown}", file=out)
    return 0 if running else 4


def cmd_wiring(args: argparse.Namespace) -> int:
    site = _load(args.config, args.agent, sys.stderr)
    if site is None:
        return 2
    from .wiring_map import render

    print(render(site.agent(args.agent)))
    return 0


def cmd_walk_test(
    args: argparse.Namespace,
    ask: Callable[[str], str] = input,
    out: TextIO | None = None,
) -> int:
    """Commissioning: trigger each input in turn, optionally check each output, write a report."""
    out = out or sys.stdout
    site = _load(args.config, args.agent, sys.stderr)
    if site is None:
        return 2
    from .walk_test import NoPinFactory, summary, walk_test, write_report

    try:
        results, complete = walk_test(
            site.agent(args.agent),
            timeout=args.timeout,
            outputs=args.outputs,
            ask=ask,
            out=out,
            base_dir=site.base_dir,
        )
    except NoPinFactory as exc:
        print(exc, file=sys.stderr)
        return 2
    report = Path(args.report or f"walk-test-{args.agent}-{datetime.now(UTC):%Y%m%dT%H%M%SZ}.json")
    write_report(report, results, site=site.site.id, agent=args.agent, config=args.config, complete=complete)
    line, status = summary(report, results, complete)
    print(line, file=out)
    return status


def cmd_compile(args: argparse.Namespace) -> int:
    """Fill the JIT cache with the camera detector's kernels (once, at install time)."""
    import os

    from .vision.compile import warmup

    # Numba's own rule: NUMBA_CACHE_DIR when set, else __pycache__ beside the modules.
    folder = os.environ.get("NUMBA_CACHE_DIR")
    where = f"in {folder}" if folder else "beside the installed modules"
    print(f"camera detector compiled in {warmup():.1f} s; cached {where}")
    return 0


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="hlidka-agent", description="Hlídka edge agent")
    sub = p.add_subparsers(dest="command", required=True)

    def common(sp: argparse.ArgumentParser, agent_required: bool = True) -> None:
        sp.add_argument("--config", required=True, help="site TOML file")
        sp.add_argument("--agent", required=agent_required, help="agent id in the config")

    run = sub.add_parser("run", help="run the agent (long-running)")
    common(run)
    run.add_argument("--log-level", default="INFO")
    run.set_defaults(func=cmd_run)
    check = sub.add_parser("check-config", help="validate the config; exit 2 with file and key path if not")
    common(check, agent_required=False)
    check.set_defaults(func=cmd_check)
    wiring = sub.add_parser("wiring", help="print the wiring map: header pins, BCM numbers, how to wire each")
    common(wiring)
    wiring.set_defaults(func=cmd_wiring)
    walk = sub.add_parser(
        "walk-test", help="commissioning: trigger every input, node input and tripwire, check outputs, write a report"
    )
    common(walk)
    walk.add_argument("--timeout", type=float, default=60.0, help="seconds to wait for each input")
    walk.add_argument("--outputs", action="store_true", help="also pulse each output and ask if it worked")
    walk.add_argument("--report", help="report file (default walk-test-<agent>-<time>.json)")
    walk.set_defaults(func=cmd_walk_test)
    comp = sub.add_parser("compile", help="compile the camera detector ahead (at install, as the installing user)")
    comp.set_defaults(func=cmd_compile)
    status = sub.add_parser("status", help="doors, panic, lockdown and link of the agent running here")
    common(status)
    status.set_defaults(func=cmd_status)
    return p


def main(argv: Sequence[str] | None = None) -> int:
    args = parser().parse_args(argv)
    result: int = args.func(args)
    return result
