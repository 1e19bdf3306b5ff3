"""``python -m gateway run --config site.toml`` (console script ``hlidka-gateway``), and ``hash-token``."""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence

from hlidka_contract import Role

from .auth import PERSON_ROLES, new_token_line


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="hlidka-gateway", description="Hlídka site gateway")
    sub = parser.add_subparsers(dest="cmd", required=True)
    run = sub.add_parser("run", help="run the gateway (MQTT ingest, upstream links, HTTP API)")
    run.add_argument("--config", required=True, help="site TOML file")
    run.add_argument(
        "--worker",
        default=None,
        help="worker name, unique per process: joins the MQTT shared-subscription group; links and"
        " supervision go to whichever worker holds their lease (PostgreSQL)",
    )
    run.add_argument("--log-level", default="INFO")
    tok = sub.add_parser("hash-token", help="create a bearer token and its tokens-file line")
    tok.add_argument("--role", required=True, choices=[r.value for r in PERSON_ROLES])
    tok.add_argument("--name", required=True)
    args = parser.parse_args(argv)
    if args.cmd == "hash-token":
        token, line = new_token_line(Role(args.role), args.name)
        print(f"token (give to the user, shown once): {token}", file=sys.stderr)
        print(line)
        return 0
    return _run(args.config, args.worker, args.log_level)


def _run(config_path: str, worker: str | None, level: str) -> int:
    import dataclasses

    import uvicorn

    from hlidka_config import ConfigError, load_config

    from .app import create_app
    from .settings import Settings

    logging.basicConfig(level=level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    try:
        settings = Settings.from_config(load_config(config_path))
    except ConfigError as exc:
        print(exc, file=sys.stderr)
        return 2
    if worker is not None:
        settings = dataclasses.replace(
            settings,
            share_group=f"hlidka-{settings.site}",
            client_id=f"{settings.client_id}-{worker}",
        )
    uvicorn.run(create_app(settings), host=settings.api_host, port=settings.api_port, log_level=level.lower())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
