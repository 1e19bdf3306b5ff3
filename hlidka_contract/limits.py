"""Size limits of the wire contract.

Limits are checked on the raw bytes before JSON parsing, so that a 1 MB blob
costs a length comparison and not a parse.
"""

from typing import Final

#: Largest event envelope (agent -> gateway). A full birth snapshot of an agent
#: with 32 inputs fits in ~6 KiB; the rest is headroom.
MAX_EVENT_BYTES: Final = 16 * 1024
#: Largest command (gateway -> agent) or acknowledgement.
MAX_COMMAND_BYTES: Final = 4 * 1024
#: Longest free-text field (notes, reasons, alarm text).
MAX_TEXT: Final = 256
#: Longest identifier (site, agent, input, room ...). Also keeps topics short.
MAX_ID: Final = 32
#: Most event ids one acknowledgement may carry.
MAX_ACK_IDS: Final = 256
