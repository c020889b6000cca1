#!/usr/bin/env python3
"""A features-folder fuzz input (pack.py's format) with one track listed as failed, as
`extract` lists a track whose features could not be computed: manifest.json's `failed` gets
row ROW with that row's track id.

    fail_row.py IN OUT ROW
"""
import json
import struct
import sys


def unpack(data):
    files, i = [], 0
    while i < len(data):
        n = data[i]
        name = data[i + 1 : i + 1 + n].decode()
        (size,) = struct.unpack("<I", data[i + 1 + n : i + 5 + n])
        files.append((name, data[i + 5 + n : i + 5 + n + size]))
        i += 5 + n + size
    return files


def npy_int64(data):
    """The int64 values of a version-1 .npy file."""
    (header,) = struct.unpack("<H", data[8:10])
    body = data[10 + header :]
    return struct.unpack(f"<{len(body) // 8}q", body)


if __name__ == "__main__":
    if len(sys.argv) != 4:
        sys.exit(__doc__)
    source, out, row = sys.argv[1], sys.argv[2], int(sys.argv[3])
    with open(source, "rb") as f:
        files = dict(unpack(f.read()))
    manifest = json.loads(files["manifest.json"])
    track_id = npy_int64(files[manifest["track_ids"]])[row]
    manifest["failed"] = [{"row": row, "track_id": track_id, "error": "sample 1000 is not finite"}]
    files["manifest.json"] = json.dumps(manifest).encode()
    with open(out, "wb") as f:
        for name, data in files.items():
            f.write(bytes([len(name)]) + name.encode() + struct.pack("<I", len(data)) + data)
