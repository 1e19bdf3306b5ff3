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
        help='worker name: joins the MQTT shared-subscription group; only worker "1" reports agents offline',
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
    args = parser.parse_args(argv)
    if args.cmd == "provision":
        return _provision(args.config, args.outdir, args.broker_dir, args.bind, args.force)
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


def _run(config_path: str, worker: str | None, level: str) -> int:
    import dataclasses

    import uvicorn

    from hlidka_config import ConfigError, load_config

    from .app import create_app
    from .settings import Settings

    logging.basicConfig(level=level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    try:
        settings = Settings.from_config(load_config(config_path), config_path)
    except ConfigError as exc:
        print(exc, file=sys.stderr)
        return 2
    if worker is not None:
        settings = dataclasses.replace(
            settings,
            share_group=f"hlidka-{settings.site}",
            client_id=f"{settings.client_id}-{worker}",
            supervise=worker == "1",
        )
    # With [gateway.api.tls] the operator API is served over HTTPS only (the tokens never cross in clear).
    uvicorn.run(
        create_app(settings),
        host=settings.api_host,
        port=settings.api_port,
        log_level=level.lower(),
        ssl_certfile=settings.api_cert_file,
        ssl_keyfile=settings.api_key_file,
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
