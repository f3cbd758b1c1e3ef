#!/usr/bin/env python3
"""Drops the "name" custom section (function names for stack traces, ~200 KB of the core) from a
.wasm file in place; every other section is kept byte for byte.

Why not the usual tools: `strip = true` / `--strip-all` also drop the `target_features` section
wasm-bindgen reads, and wasm-opt is off (scripts/build.sh says why)."""
import sys


def leb128(data, pos):
    value = shift = 0
    while True:
        byte = data[pos]
        pos += 1
        value |= (byte & 0x7F) << shift
        shift += 7
        if byte < 0x80:
            return value, pos


def without_names(data):
    if data[:4] != b"\0asm":
        raise SystemExit("not a WebAssembly module")
    out, pos = bytearray(data[:8]), 8
    while pos < len(data):
        start = pos
        section_id = data[pos]
        size, body = leb128(data, pos + 1)
        end = body + size
        if section_id == 0:
            name_len, name_at = leb128(data, body)
            if data[name_at:name_at + name_len] == b"name":
                pos = end
                continue
        out += data[start:end]
        pos = end
    return bytes(out)


for path in sys.argv[1:]:
    with open(path, "rb") as f:
        data = f.read()
    stripped = without_names(data)
    with open(path, "wb") as f:
        f.write(stripped)
