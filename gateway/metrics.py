"""Prometheus metrics, one registry per gateway (so tests can run several apps in one process)."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, generate_latest


class Metrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        r = self.registry
        self.events_in = Counter("hlidka_events_in", "Events stored (new)", registry=r)
        self.duplicates = Counter("hlidka_events_duplicate", "Events received again (acked, not stored)", registry=r)
        self.invalid = Counter("hlidka_messages_invalid", "Messages rejected", ["reason"], registry=r)
        self.events_out = Counter("hlidka_events_out", "Events delivered upstream", ["link"], registry=r)
        self.upstream_lag = Gauge("hlidka_upstream_lag_events", "Stored events not yet delivered", ["link"], registry=r)
        self.link_up = Gauge("hlidka_link_up", "1 when the link delivered its last attempt", ["link"], registry=r)
        self.upstream_lag_s = Gauge(
            "hlidka_upstream_lag_seconds", "Age of the oldest stored event not yet delivered", ["link"], registry=r
        )
        self.last_delivery = Gauge(
            "hlidka_upstream_last_delivery_timestamp_seconds", "When the link last delivered", ["link"], registry=r
        )
        self.upstream_errors = Counter("hlidka_upstream_errors", "Failed delivery attempts", ["link"], registry=r)
        self.mqtt_connected = Gauge("hlidka_mqtt_connected", "1 while connected to the broker", registry=r)
        self.commands = Counter("hlidka_commands", "Commands sent to agents", ["type"], registry=r)
        self.incident_refused = Counter(
            "hlidka_incident_requests_refused",
            "Incident requests refused (closed incident, not in the plan, or an opening not stored)",
            ["reason"],
            registry=r,
        )
        self.incident_actions_unconfirmed = Gauge(
            "hlidka_incident_actions_unconfirmed",
            "Lockdowns / evacuations of open hand-opened incidents some agent has not confirmed (leader)",
            ["action"],
            registry=r,
        )
        self.incident_action_retries = Counter(
            "hlidka_incident_action_retries",
            "A hand-opened incident's action sent again: the stored command resent, or issued to agents without one",
            ["action", "kind"],
            registry=r,
        )
        self.batch_size = Gauge("hlidka_ingest_last_batch", "Events in the last stored batch", registry=r)

    def render(self) -> bytes:
        return bytes(generate_latest(self.registry))
