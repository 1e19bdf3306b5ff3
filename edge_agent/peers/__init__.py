"""Agent-to-agent lockdown: the signed peer message, its replay guard, its resend schedule, and
the transports that carry it (the broker's site-wide channel and UDP on the school LAN).

Rule: ``wire``, ``guard`` and ``sender`` are sans-I/O (bytes and ``now`` in, decisions out);
``udp`` and ``link`` are the thin shell around them. A peer message can only ask for a
lockdown: nothing on this path can end one. See ``docs/alarm-core.md`` ("The peer path").
"""
