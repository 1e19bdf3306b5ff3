"""``python -m hlidka_config check FILE``: validate a site config before deploying it.

The crisis plans file the site file names (``gateway.plans_file``) is checked with it, its rooms
against the site's. Exit status: 0 when valid, 2 when either file has issues (printed one per
line on stderr). An agent without a command key is an issue too (it would refuse to start), unless
its table opts into the lab mode with ``unsigned_commands = "lab-only"``: then it is warned about on
stderr, every time, since it accepts commands unsigned.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from .checks import unsigned_agents
from .errors import ConfigError
from .load import load_config, unsigned_refusal
from .plans_load import site_plans


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m hlidka_config", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    check = commands.add_parser("check", help="validate a site config file")
    check.add_argument("file", help="path of the site TOML file")
    args = parser.parse_args(argv)
    try:
        config = load_config(args.file)
    except ConfigError as exc:
        print(exc, file=sys.stderr)
        return 2
    try:
        plans = site_plans(config)
    except ConfigError as exc:
        print(exc, file=sys.stderr)
        return 2
    refusal = unsigned_refusal(config)
    if refusal is not None:
        print(refusal, file=sys.stderr)
        return 2
    for warning in unsigned_agents(config):
        print(warning, file=sys.stderr)
    described = f", {len(plans.plans)} crisis plans" if plans is not None else ""
    print(f"OK: {config.site.id} ({len(config.agents)} agents{described})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
