"""Camera snapshots on the agent: a ring of recent frames per camera, masked JPEGs, a durable image outbox
and the chunked upload to the gateway (see ``docs/police-link.md``)."""
