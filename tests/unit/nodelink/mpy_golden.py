"""Check the golden node frames with wire.py, under MicroPython (or CPython).

Usage: micropython mpy_golden.py <dir holding wire.py> <golden_node_frames.json>
Prints "OK <count>" and exits 0, or prints the first mismatch and exits 1.
"""

import json
import sys
from binascii import unhexlify

sys.path.insert(0, sys.argv[1])
import wire


def main() -> int:
    with open(sys.argv[2]) as f:
        golden = json.load(f)
    if wire.crc16(golden["crc"]["check_input"].encode()) != int(golden["crc"]["check"], 16):
        print("crc check failed")
        return 1
    stream = b""
    expected = []
    for v in golden["frames"]:
        payload = unhexlify(v["payload"])
        raw = unhexlify(v["wire"])
        got = wire.encode(v["node"], v["type"], v["seq"], payload)
        if got != raw:
            print("encode mismatch", v["name"], got)
            return 1
        frames = wire.Decoder().feed(raw)
        if frames != [wire.Frame(v["node"], v["type"], v["seq"], payload)]:
            print("decode mismatch", v["name"], frames)
            return 1
        stream += raw
        expected.append(frames[0])
    dec = wire.Decoder()
    got_all = []
    for i in range(len(stream)):
        got_all += dec.feed(stream[i : i + 1])
    if got_all != expected or dec.dropped():
        print("byte-by-byte mismatch")
        return 1
    print("OK", len(expected))
    return 0


sys.exit(main())
