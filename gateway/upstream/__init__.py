"""Upstream links of the gateway: police receiver and regional server."""
