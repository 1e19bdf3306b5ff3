"""Serial satellite nodes (Pico / ESP32 firmware in ``firmware/``): the link codec and the port reader.

``wire`` is shared with the firmware byte for byte; ``reader`` is the agent's side.
"""

from edge_agent.nodelink.reader import LinkState, NodePort

__all__ = ["LinkState", "NodePort"]
