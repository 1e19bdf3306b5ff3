"""Hlídka gateway: ingest, site rules, supervision, operator API and upstream links."""
