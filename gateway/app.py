"""The FastAPI application factory; its lifespan owns the MQTT consumer and the upstream workers.

Rule: this is the composition root, the one module that picks concrete
adapters (store backend, MQTT client, webhook and SIA senders).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import time
from collections.abc import AsyncIterator, Callable
from functools import partial

from fastapi import FastAPI

from hlidka_config import PoliceConfig
from hlidka_contract import Channel, subscription

from .api import agents, alarms, commands, events, health, incidents, police_view, site, stream
from .auth import TokenBook
from .commands import Commander
from .console.config import ConsoleSettings
from .console.mount import mount_console
from .duties import Duties
from .hass import HassLink
from .hass.link import Publish, PublishConfirmed
from .incidents.service import IncidentService
from .ingest import Ingest
from .metrics import Metrics
from .mqtt import Link, MqttLink, OnMessage, OnState, TlsFiles
from .police_link import LinkKey, with_view_link
from .rules import ALARM_TYPES
from .runtime import Runtime
from .settings import Settings
from .snapshot_ingest import SnapshotIngest, keep_retention
from .store import Store, open_store
from .upstream.heartbeat import heartbeat_source
from .upstream.police import PoliceSender
from .upstream.queue import UpstreamItem, UpstreamSender
from .upstream.sia_client import SiaClient
from .upstream.sia_codec import SiaError
from .upstream.webhook import WebhookSender

log = logging.getLogger(__name__)
VERSION = "0.1.0"


def subscriptions(settings: Settings) -> list[str]:
    """Events (and command acks) may be split across workers; liveness must reach each of them."""
    site_id = settings.site
    shared = [
        subscription(Channel.EVENT, site=site_id, share_group=settings.share_group),
        subscription(Channel.CMD_ACK, site=site_id, share_group=settings.share_group),
        subscription(Channel.SNAPSHOT, site=site_id, share_group=settings.share_group),
    ]
    return [
        *shared,
        subscription(Channel.STATUS, site=site_id),
        subscription(Channel.HEARTBEAT, site=site_id),
    ]


def _police_sia(police: PoliceConfig, key: bytes | None) -> SiaClient:
    return SiaClient(
        police.host,
        police.port,
        police.account,
        receiver=police.receiver,
        line=police.line,
        fmt=police.format,
        key=key,
        ack_timeout_s=police.ack_timeout_s,
    )


#: Builds the broker link from the settings, the topics to subscribe, the message handler and the
#: connected/lost callback.
LinkFactory = Callable[[Settings, list[str], OnMessage, OnState], Link]


def mqtt_link(settings: Settings, topics: list[str], on_message: OnMessage, on_state: OnState) -> Link:
    """The real link: paho-mqtt to the site's broker."""
    return MqttLink(
        settings.broker_host,
        settings.broker_port,
        settings.client_id,
        topics,
        on_message,
        settings.broker_keepalive_s,
        settings.broker_username,
        settings.broker_password,
        on_state,
        _tls(settings),
        # A worker of a group keeps no session: a dead one must not hold its share of the events.
        session_expiry_s=0 if settings.share_group else 3600,
    )


def _tls(settings: Settings) -> TlsFiles | None:
    if not settings.broker_tls:
        return None
    return TlsFiles(settings.broker_ca_file, settings.broker_cert_file, settings.broker_key_file)


def create_app(
    settings: Settings,
    store: Store | None = None,
    clock: Callable[[], float] = time.time,
    senders: list[UpstreamSender] | None = None,
    link: LinkFactory = mqtt_link,
    console: ConsoleSettings | None = None,
) -> FastAPI:
    """``senders`` replaces the configured upstream links, ``link`` the broker link (tests use fakes);
    ``console``: accounts and names for the web console."""

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        rt = _build(settings, store or open_store(settings.db), clock, asyncio.get_running_loop(), link)
        app.state.runtime = rt
        chosen, rt.unavailable = _senders(settings, clock, rt) if senders is None else (list(senders), {})
        if rt.hass is not None:
            chosen.append(rt.hass)
        duties = Duties(rt, chosen, clock)
        await duties.start()
        retention = asyncio.create_task(
            keep_retention(rt.store, settings.snapshot_retention_days, clock), name="snapshot-retention"
        )
        rt.snapshots.start()
        rt.ingest.start()
        rt.mqtt.start()
        try:
            yield
        finally:
            rt.mqtt.stop()
            rt.ingest.stop()
            await duties.stop()
            rt.snapshots.stop()
            retention.cancel()
            await asyncio.gather(retention, return_exceptions=True)
            for s in chosen:
                closer = getattr(s, "aclose", None)
                if closer is not None:
                    await closer()
            # A cancelled task may still have a store call running in a worker thread: closing the
            # database under it crashes SQLite. Let those calls finish first.
            await asyncio.get_running_loop().shutdown_default_executor()
            rt.store.close()

    app = FastAPI(
        title="Hlídka gateway",
        version="1.0",
        description="Operator and regional API of a Hlídka site gateway.",
        lifespan=lifespan,
        # The console serves /docs from assets in the package (no CDN): see console.mount.
        docs_url=None,
        redoc_url=None,
    )
    for module in (events, alarms, site, agents, commands, stream, health, police_view, incidents):
        app.include_router(module.router)
    mount_console(app, console or ConsoleSettings(), clock)
    return app


def _build(
    settings: Settings,
    store: Store,
    clock: Callable[[], float],
    loop: asyncio.AbstractEventLoop,
    make_link: LinkFactory,
) -> Runtime:
    metrics = Metrics()
    holder: dict[str, Runtime] = {}

    hass = _hass(settings, store, lambda t, p, r: link.publish(t, p, retain=r), lambda *a: link.publish_confirmed(*a))

    def on_message(topic: str, payload: bytes) -> None:
        if holder["rt"].snapshots.handles(topic):
            holder["rt"].snapshots.submit(topic, payload)
            return
        if hass is not None and hass.handles(topic):
            hass.on_message(topic, payload)
            return
        holder["rt"].ingest.submit(topic, payload)

    def on_state(up: bool) -> None:
        metrics.mqtt_connected.set(1 if up else 0)
        if up and hass is not None:
            hass.announce()

    topics = subscriptions(settings) + (hass.subscriptions() if hass is not None else [])
    link = make_link(settings, topics, on_message, on_state)
    commander = Commander(settings, store, link.publish, clock, metrics, link.connected.is_set)

    def on_stored() -> None:
        loop.call_soon_threadsafe(holder["rt"].wake)

    ingest = Ingest(settings, store, link.publish, commander, metrics, clock, on_stored)
    rt = Runtime(settings, store, metrics, TokenBook(settings.token_lines), clock, commander, ingest, link)
    rt.hass = hass
    rt.snapshots = SnapshotIngest(settings.site, store, link.publish, metrics, clock)
    rt.incidents = IncidentService.from_settings(settings, store, ingest, commander, clock)
    ingest.incidents = rt.incidents
    holder["rt"] = rt
    return rt


def _counts(rt: Runtime) -> tuple[int, int, int]:
    """Agents online, agents total and people inside, for the regional heartbeat."""
    live = rt.ingest.supervisor.agents
    agent_ids = set(rt.settings.agents) | set(live)
    online = sum(1 for a in agent_ids if (x := live.get(a)) is not None and x.online)
    people = 0
    for key, value in rt.store.site_state().items():
        if key.startswith("occupancy/"):
            people += int(json.loads(value).get("inside", 0))
    return online, len(agent_ids), people


def _hass(settings: Settings, store: Store, publish: Publish, confirmed: PublishConfirmed) -> HassLink | None:
    if settings.home_assistant_prefix is None or settings.site_config is None:
        return None
    site, prefix = settings.site_config, settings.home_assistant_prefix
    return HassLink(site, prefix, VERSION, publish, confirmed, store.site_state)


def _senders(
    settings: Settings, clock: Callable[[], float], rt: Runtime
) -> tuple[list[UpstreamSender], dict[str, str]]:
    chosen: list[UpstreamSender] = []
    unavailable: dict[str, str] = {}
    if settings.regional is not None:
        r = settings.regional
        link = settings.police_link
        decorate = None if link is None else partial(with_view_link_of, link=link)
        beat = heartbeat_source(settings.site, rt.ingest.bootid, clock, r.heartbeat_s, lambda: _counts(rt))
        sender = WebhookSender(
            r.url,
            settings.regional_secret,
            r.timeout_s,
            clock,
            decorate=decorate,
            heartbeat=beat,
            heartbeat_s=r.heartbeat_s,
        )
        chosen.append(sender)
    if settings.police is not None:
        try:
            chosen.append(PoliceSender(_police_sia(settings.police, settings.police_key), settings))
        except (SiaError, ValueError) as exc:
            unavailable["police"] = f"SIA DC-09 client refused its settings: {exc}"
            log.error("police link configured but %s", unavailable["police"])
    return chosen, unavailable


def with_view_link_of(item: UpstreamItem, link: LinkKey) -> str:
    """The webhook body of ``item``: real alarms carry the police view link too (``viewurl``)."""
    return with_view_link(item.body, link, frozenset(t.value for t in ALARM_TYPES))
