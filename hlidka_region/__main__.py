"""``hlidka-region``: run a region worker, or add a console user.

hlidka-region run --config region.toml [--port 8701]
hlidka-region add-user --name jana --role operator >> users   (asks for the password)
"""

from __future__ import annotations

import argparse
import getpass
import logging
import sys
from pathlib import Path

from hlidka_contract import Role

from .auth import REGION_ROLES, UsersFileError, user_line
from .settings import ConfigInvalid, load, resolve_db


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="hlidka-region", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    run = sub.add_parser("run", help="run one region worker (start as many as you like on one PostgreSQL)")
    run.add_argument("--config", type=Path, required=True)
    run.add_argument("--host", help="override region.host")
    run.add_argument("--port", type=int, help="override region.port (one port per worker on one machine)")
    run.add_argument("--log-level", default="info")
    add = sub.add_parser("add-user", help="print a users-file line (password asked, or read from stdin)")
    add.add_argument("--name", required=True)
    add.add_argument("--role", choices=[r.value for r in REGION_ROLES], default=Role.VIEWER.value)
    args = parser.parse_args(argv)
    if args.command == "add-user":
        password = getpass.getpass("password: ") if sys.stdin.isatty() else sys.stdin.readline().rstrip("\n")
        try:
            print(user_line(args.name, Role(args.role), password))
        except UsersFileError as exc:
            print(exc, file=sys.stderr)
            return 2
        return 0
    logging.basicConfig(level=args.log_level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    try:
        settings = load(args.config)
    except ConfigInvalid as exc:
        print(f"config invalid: {exc}", file=sys.stderr)
        return 2
    import uvicorn

    from .app import create_app

    app = create_app(settings, resolve_db(settings, args.config.resolve().parent))
    uvicorn.run(
        app,
        host=args.host or settings.region.host,
        port=args.port or settings.region.port,
        log_level=args.log_level,
        access_log=False,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
