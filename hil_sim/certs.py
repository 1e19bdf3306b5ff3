"""A throw-away certificate authority and a broker certificate for TLS tests on loopback.

The same code provisions a real site (``gateway.pki``); tests get a one-day CA.
"""

from __future__ import annotations

from gateway.pki import TlsFiles, make_broker_tls

__all__ = ["TlsFiles", "make_broker_tls"]
