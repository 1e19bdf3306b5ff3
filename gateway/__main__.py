"""``python -m gateway run --config site.toml`` (console script ``hlidka-gateway``), ``hash-token``, ``user add``."""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence
from typing import TextIO

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
    prov = sub.add_parser("provision", help="generate the CA, broker TLS, logins, ACL and keys of a site")
    prov.add_argument("config", help="site TOML file")
    prov.add_argument("outdir", help="directory to write into (keep it private)")
    prov.add_argument("--broker-dir", default=None, help="where the broker will read its files (default OUTDIR/broker)")
    prov.add_argument("--bind", default=None, help="address the broker's TLS listener binds (default: all)")
    prov.add_argument("--force", action="store_true", help="replace an existing provisioning (rotates every key)")
    user = sub.add_parser("user", help="console accounts").add_subparsers(dest="user_cmd", required=True)
    add = user.add_parser("add", help="print a users-file line for a new account (asks for the password)")
    add.add_argument("--login", required=True, help="login name: lower-case letters, digits, . _ -")
    add.add_argument("--role", required=True, choices=[r.value for r in PERSON_ROLES])
    add.add_argument("--name", default="", help="display name shown in the console and the audit log")
    add.add_argument("--password-stdin", action="store_true", help="read the password from standard input")
    args = parser.parse_args(argv)
    if args.cmd == "provision":
        return _provision(args.config, args.outdir, args.broker_dir, args.bind, args.force)
    if args.cmd == "user":
        return _user_add(args.login, Role(args.role), args.name, args.password_stdin)
    if args.cmd == "hash-token":
        token, line = new_token_line(Role(args.role), args.name)
        print(f"token (give to the user, shown once): {token}", file=sys.stderr)
        print(line)
        return 0
    return _run(args.config, args.worker, args.log_level)


def _provision(config_path: str, outdir: str, broker_dir: str | None, bind: str | None, force: bool) -> int:
    from pathlib import Path

    from hlidka_config import ConfigError, load_config

    from .provision import provision

    try:
        config = load_config(config_path, check_files=False)
        done = provision(config, Path(outdir), Path(broker_dir) if broker_dir else None, bind, force)
    except ConfigError as exc:
        print(exc, file=sys.stderr)
        return 2
    except FileExistsError as exc:
        print(exc, file=sys.stderr)
        return 1
    for path in done.files:
        print(path)
    print(f"broker: include {done.outdir / 'broker' / 'hlidka.conf'} (copied to {done.broker_dir})", file=sys.stderr)
    return 0


def _user_add(login: str, role: Role, display: str, from_stdin: bool) -> int:
    import getpass

    from .users import UsersFileError, user_line

    if from_stdin:
        password = sys.stdin.readline().rstrip("\n")
    else:
        password = getpass.getpass("password: ")
        if getpass.getpass("again: ") != password:
            print("the passwords differ", file=sys.stderr)
            return 2
    try:
        print(user_line(login, role, password, display))
    except UsersFileError as exc:
        print(exc, file=sys.stderr)
        return 2
    return 0


#: Loggers whose records are routine noise: every HTTP request served or made.
NOISY = ("uvicorn.access", "httpx", "httpcore")


class _Demote(logging.Filter):
    """Access and HTTP-client records go out at debug level, so only a debug run shows them."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.name.split(".")[0] in NOISY or record.name in NOISY:
            record.levelno, record.levelname = logging.DEBUG, "DEBUG"
            return logging.getLogger().isEnabledFor(logging.DEBUG)
        return True


def setup_logging(level: str, stream: TextIO | None = None) -> None:
    """JSON lines on stdout, in the agent's format (``edge_agent.logs``), with access noise demoted."""
    from edge_agent import logs

    logs.setup(level.upper(), stream)
    for handler in logging.getLogger().handlers:
        handler.addFilter(_Demote())
    # uvicorn and the HTTP client filter by their own level first: let their records reach the filter.
    for name in NOISY:
        logging.getLogger(name).setLevel(logging.NOTSET)


def _run(config_path: str, worker: str | None, level: str) -> int:
    import dataclasses

    import uvicorn

    from hlidka_config import ConfigError, load_config
    from hlidka_config.plans_load import load_plans

    from .app import create_app
    from .console.config import ConsoleSettings
    from .settings import Settings
    from .users import UsersFileError

    setup_logging(level)
    try:
        config = load_config(config_path)
        settings = Settings.from_config(config, config_path)
        console = ConsoleSettings.from_config(config, config_path)
        if settings.plans_file is not None:
            load_plans(settings.plans_file)  # a wrong plans file is told here, with its line, not at first use
    except ConfigError as exc:
        print(exc, file=sys.stderr)
        return 2
    if worker is not None:
        settings = dataclasses.replace(
            settings,
            share_group=f"hlidka-{settings.site}",
            client_id=f"{settings.client_id}-{worker}",
        )
    try:
        app = create_app(settings, console=console)
    except UsersFileError as exc:
        print(exc, file=sys.stderr)
        return 2
    # With [gateway.api.tls] the operator API is served over HTTPS only (the tokens never cross in clear).
    uvicorn.run(
        app,
        host=settings.api_host,
        port=settings.api_port,
        log_level=level.lower(),
        # Our JSON handler on the root logger carries uvicorn's records too.
        log_config=None,
        ssl_certfile=settings.api_cert_file,
        ssl_keyfile=settings.api_key_file,
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
