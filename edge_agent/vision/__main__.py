"""``python -m edge_agent.vision warmup``: compile and cache every kernel ahead.

The same as ``hlidka-agent compile`` (see ``compile.py``): run it once at install time, and
the agent on a Pi then starts its cameras in about a second instead of compiling for tens of
seconds.
"""

from __future__ import annotations

import argparse

from .compile import warmup

__all__ = ["main", "warmup"]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m edge_agent.vision")
    parser.add_argument("command", choices=["warmup"])
    parser.parse_args(argv)
    print(f"vision kernels compiled and cached in {warmup():.1f} s")


if __name__ == "__main__":
    main()
