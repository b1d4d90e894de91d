#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""rfb_grab.py PORT OUT.png: connects to a VNC server on 127.0.0.1:PORT (RFB 3.8, no
authentication), asks for 32-bit BGRX pixels in Raw encoding (the cursor apart), reads one full framebuffer update
and writes it as an RGB PNG. Retries the connection for up to 20 s. Exit 0 done, 1 failure."""
import socket
import struct
import sys
import time
import zlib


def recv_exact(s, n):
    b = b""
    while len(b) < n:
        chunk = s.recv(n - len(b))
        if not chunk:
            raise RuntimeError("server closed the connection")
        b += chunk
    return b


def connect(port):
    deadline = time.time() + 20
    while True:
        try:
            return socket.create_connection(("127.0.0.1", port), timeout=20)
        except OSError:
            if time.time() > deadline:
                raise
            time.sleep(0.2)


def grab(port):
    s = connect(port)
    version = recv_exact(s, 12)
    if not version.startswith(b"RFB 003."):
        raise RuntimeError("not an RFB server: %r" % version)
    s.sendall(b"RFB 003.008\n")
    (count,) = struct.unpack("B", recv_exact(s, 1))
    if count == 0:
        raise RuntimeError("server refused the connection")
    types = recv_exact(s, count)
    if 1 not in types:
        raise RuntimeError("server wants authentication: %r" % types)
    s.sendall(b"\x01")
    (result,) = struct.unpack(">I", recv_exact(s, 4))
    if result != 0:
        raise RuntimeError("security handshake failed")
    s.sendall(b"\x01")  # ClientInit: shared
    w, h = struct.unpack(">HH", recv_exact(s, 4))
    recv_exact(s, 16)  # server pixel format
    (name_len,) = struct.unpack(">I", recv_exact(s, 4))
    recv_exact(s, name_len)
    # SetPixelFormat: 32 bpp, depth 24, little endian, true colour, 255 max, shifts R16 G8 B0.
    s.sendall(struct.pack(">BxxxBBBBHHHBBBxxx", 0, 32, 24, 0, 1, 255, 255, 255, 16, 8, 0))
    # SetEncodings: Raw, and the Cursor pseudo-encoding so that the server sends the cursor
    # apart instead of drawing it into the framebuffer.
    s.sendall(struct.pack(">BxHii", 2, 2, 0, -239))
    s.sendall(struct.pack(">BBHHHH", 3, 0, 0, 0, w, h))  # full, non-incremental
    fb = bytearray(w * h * 4)
    covered = 0
    while covered < w * h:
        (msg,) = struct.unpack("B", recv_exact(s, 1))
        if msg == 0:
            _, nrect = struct.unpack(">BH", recv_exact(s, 3))
            for _ in range(nrect):
                x, y, rw, rh, enc = struct.unpack(">HHHHi", recv_exact(s, 12))
                if enc == -223:  # DesktopSize pseudo-encoding
                    continue
                if enc == -239:  # Cursor: pixels, then a bitmask
                    recv_exact(s, rw * rh * 4 + (rw + 7) // 8 * rh)
                    continue
                if enc != 0:
                    raise RuntimeError("unexpected encoding %d" % enc)
                data = recv_exact(s, rw * rh * 4)
                for row in range(rh):
                    o = ((y + row) * w + x) * 4
                    fb[o:o + rw * 4] = data[row * rw * 4:(row + 1) * rw * 4]
                covered += rw * rh
        elif msg == 2:  # Bell
            continue
        elif msg == 3:  # ServerCutText
            recv_exact(s, 3)
            (n,) = struct.unpack(">I", recv_exact(s, 4))
            recv_exact(s, n)
        else:
            raise RuntimeError("unexpected server message %d" % msg)
    s.close()
    return w, h, fb


def write_png(path, w, h, bgrx):
    raw = bytearray()
    for y in range(h):
        raw.append(0)
        row = bgrx[y * w * 4:(y + 1) * w * 4]
        for x in range(w):
            b, g, r = row[x * 4], row[x * 4 + 1], row[x * 4 + 2]
            raw += bytes((r, g, b))

    def chunk(kind, data):
        c = kind + data
        return struct.pack(">I", len(data)) + c + struct.pack(">I", zlib.crc32(c) & 0xFFFFFFFF)

    with open(path, "wb") as f:
        f.write(b"\x89PNG\r\n\x1a\n")
        f.write(chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0)))
        f.write(chunk(b"IDAT", zlib.compress(bytes(raw), 6)))
        f.write(chunk(b"IEND", b""))


def main():
    if len(sys.argv) != 3:
        print(__doc__, file=sys.stderr)
        return 1
    try:
        w, h, fb = grab(int(sys.argv[1]))
    except (OSError, RuntimeError) as e:
        print("rfb_grab: %s" % e, file=sys.stderr)
        return 1
    write_png(sys.argv[2], w, h, fb)
    print("rfb_grab: %dx%d" % (w, h))
    return 0


if __name__ == "__main__":
    sys.exit(main())
