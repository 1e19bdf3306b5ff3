"""Hlídka gateway: MQTT ingest, durable store, site rules, supervision, upstream links and the operator API.

One process per site (or several workers behind an MQTT shared subscription): the
MQTT consumer, the upstream workers and the FastAPI app share one store.
"""
