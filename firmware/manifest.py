# Freeze the node firmware into a MicroPython build, or use with `mpremote mip install`.
# wire.py is the agent's own codec, shipped as is: one implementation for both ends of the link.
metadata(description="Hlidka satellite node: inputs, acknowledgement LEDs, framed serial link", version="0.1.0")

module("wire.py", base_path="../edge_agent/nodelink")
module("node.py")
module("board.py")
module("main.py")
