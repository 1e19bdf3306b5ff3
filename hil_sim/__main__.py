"""``python -m hil_sim demo`` | ``python -m hil_sim run scenarios/x.yaml [...]``."""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path

from .demo_text import LANGS
from .expect import as_dict, report


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m hil_sim", description="Hlídka hardware-in-the-loop simulator")
    sub = parser.add_subparsers(dest="cmd", required=True)
    demo = sub.add_parser("demo", help="run a whole simulated school with a short story and a live view")
    demo.add_argument("--workdir", type=Path, help="keep the site file, logs and databases here")
    demo.add_argument("--exit", action="store_true", help="stop after the story instead of waiting for Ctrl-C")
    demo.add_argument("--lang", choices=LANGS, default="cs", help="the language of the whole run (default: Czech)")
    run = sub.add_parser("run", help="run scenario files; exit 0 when every expectation holds")
    run.add_argument("scenarios", nargs="+", type=Path)
    run.add_argument("--workdir", type=Path)
    run.add_argument("--json", type=Path, help="also write the verdicts as JSON")
    args = parser.parse_args(argv)

    if args.cmd == "demo":
        from .demo import run_demo

        try:
            return run_demo(args.workdir, stay=not args.exit, lang=args.lang)
        except KeyboardInterrupt:
            return 130

    from .runner import run_scenario
    from .scenario import ScenarioError, load_scenario

    failed = 0
    results = {}
    for path in args.scenarios:
        try:
            scenario = load_scenario(path)
        except (ScenarioError, OSError) as exc:
            print(exc, file=sys.stderr)
            return 2
        work = (args.workdir / scenario.name) if args.workdir else Path(tempfile.mkdtemp(prefix="hlidka-sim-"))
        outcome = run_scenario(scenario, work, log=lambda line: print(f"  {line}", flush=True))
        print(report(scenario, outcome.verdicts), flush=True)
        results[scenario.name] = as_dict(outcome.verdicts)
        failed += not outcome.ok
    if args.json:
        args.json.write_text(json.dumps(results, indent=2))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
