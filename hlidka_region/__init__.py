"""Hlídka's regional supervision server: every school of a region on one screen.

It receives the signed webhooks of the school gateways, catches up through
their pull APIs, supervises their heartbeats and serves the regional console.
Workers are stateless: everything they share lives in the database.
"""
