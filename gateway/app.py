"""The FastAPI application factory; its lifespan owns the MQTT consumer and the upstream workers.

Rule: this is the composition root, the one module that picks concrete
adapters (store backend, MQTT client, webhook and SIA senders).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import AsyncIterator, Callable

from fastapi import FastAPI

from hlidka_config import PoliceConfig
from hlidka_contract import Channel, subscription

from .api import agents, alarms, commands, events, health, site, stream
from .auth import TokenBook
from .commands import Commander
from .hass import HassLink
from .hass.link import Publish, PublishConfirmed
from .ingest import Ingest
from .metrics import Metrics
from .mqtt import Link, MqttLink, OnMessage, OnState, TlsFiles
from .runtime import Runtime
from .settings import Settings
from .store import Store, open_store
from .upstream.police import PoliceSender
from .upstream.queue import LinkWorker, UpstreamSender
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
) -> FastAPI:
    """``senders`` replaces the configured upstream links, ``link`` the broker link (tests use fakes)."""

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        rt = _build(settings, store or open_store(settings.db), clock, asyncio.get_running_loop(), link)
        app.state.runtime = rt
        chosen, rt.unavailable = _senders(settings, clock) if senders is None else (list(senders), {})
        if rt.hass is not None:
            chosen.append(rt.hass)
        rt.workers = [
            LinkWorker(
                s,
                rt.store,
                rt.metrics,
                clock,
                settings.backoff_first_s,
                settings.backoff_max_s,
                idle=getattr(s, "idle", None),
            )
            for s in chosen
        ]
        tasks = [asyncio.create_task(w.run(), name=f"link-{w.name}") for w in rt.workers]
        rt.ingest.start()
        rt.mqtt.start()
        try:
            yield
        finally:
            rt.mqtt.stop()
            rt.ingest.stop()
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
            for s in chosen:
                closer = getattr(s, "aclose", None)
                if closer is not None:
                    await closer()
            rt.store.close()

    app = FastAPI(
        title="Hlídka gateway",
        version="1.0",
        description="Operator and regional API of a Hlídka site gateway.",
        lifespan=lifespan,
    )
    for module in (events, alarms, site, agents, commands, stream, health):
        app.include_router(module.router)
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
    holder["rt"] = rt
    return rt


def _hass(settings: Settings, store: Store, publish: Publish, confirmed: PublishConfirmed) -> HassLink | None:
    if settings.home_assistant_prefix is None or settings.site_config is None:
        return None
    site, prefix = settings.site_config, settings.home_assistant_prefix
    return HassLink(site, prefix, VERSION, publish, confirmed, store.site_state)


def _senders(settings: Settings, clock: Callable[[], float]) -> tuple[list[UpstreamSender], dict[str, str]]:
    chosen: list[UpstreamSender] = []
    unavailable: dict[str, str] = {}
    if settings.regional is not None:
        r = settings.regional
        chosen.append(WebhookSender(r.url, settings.regional_secret, r.timeout_s, clock))
    if settings.police is not None:
        try:
            chosen.append(PoliceSender(_police_sia(settings.police, settings.police_key), settings))
        except (SiaError, ValueError) as exc:
            unavailable["police"] = f"SIA DC-09 client refused its settings: {exc}"
            log.error("police link configured but %s", unavailable["police"])
    return chosen, unavailable
