#!/usr/bin/env python3
"""Packs folders into fuzz inputs (fuzz/src/lib.rs `unpack`): each file as
[name length: u8][name][size: u32 LE][bytes].

    pack.py OUT FILE...      one input holding the files given (their base names)
"""
import os
import struct
import sys


def pack(paths):
    out = bytearray()
    for path in paths:
        name = os.path.basename(path).encode()
        with open(path, "rb") as f:
            data = f.read()
        out += bytes([len(name)]) + name + struct.pack("<I", len(data)) + data
    return bytes(out)


if __name__ == "__main__":
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    with open(sys.argv[1], "wb") as f:
        f.write(pack(sys.argv[2:]))
