"""HTTP API routers, one per resource; all under ``/api/v1`` except health and metrics."""
