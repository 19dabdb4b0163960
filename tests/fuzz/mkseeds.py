#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Write the seed corpora of the fuzz targets (tests/fuzz/corpus/<target>/).

The seeds are checked in; this script is how they were made, in the input
format each target decodes (see the comment at the top of each fuzz_*.c).
Run from anywhere: python3 tests/fuzz/mkseeds.py"""
import hashlib
import os
import struct

HERE = os.path.dirname(os.path.abspath(__file__))


def put(target, data):
    d = os.path.join(HERE, "corpus", target)
    os.makedirs(d, exist_ok=True)
    name = hashlib.sha1(data).hexdigest()[:16]
    with open(os.path.join(d, name), "wb") as f:
        f.write(data)


# ---- fuzz_xs_values: byte 0 picks the max (0 1 8 DOMID_MAX 65535 2^20 4194304 any 4095)
for sel, val in [
    (3, b"0"), (3, b"32751"), (3, b"32752"), (4, b"1500"), (4, b"65536"), (2, b"4"),
    (2, b"9"), (2, b"99"), (1, b"1"), (1, b"2"), (2, b"9999999999999999999"),
    (4, b"01500"), (4, b"15x0"), (4, b" 1500"), (4, b""), (0, b"0"), (5, b"1048576"),
    (7, struct.pack("<Q", 2**64 - 1) + b"18446744073709551615"),
    (7, struct.pack("<Q", 2**64 - 1) + b"18446744073709551616"),
    (0, b"00:16:3e:00:00:01"), (0, b"02:00:zz:00:00:01"), (0, b"01:00:5e:00:00:01"),
    (0, b"00:00:00:00:00:00"), (0, b"02:00:00:00:00:01\n"), (0, b"02:AB:cd:EF:00:01"),
    (0, b"/local/domain/0/backend/vif/1/0"), (0, b"../../evil"), (0, b"/a//b"),
    (0, b"/local/domain/0/backend/vif/1/0/"), (0, b"/" + b"a" * 230), (0, b"/x@y_z-1"),
    (2, b"4\x00junk"), (0, b"00:16:3e:00:00:01\x00"), (8, b"4095"), (8, b"4096"),
]:
    put("xs_values", bytes([sel]) + val)

# ---- fuzz_netif_ring: byte 0 the MTU (bits 0-1: 1500 68 4000 9000) and the
# mode (4 sg, 8 csum, 16 gso4, 32 gso6, 64 split, 128 zero-copy), then steps:
# op % 14 (0 RX response, 1 RX producer, 2 poll, 3 refill, 4 TX put, 5 push,
# 6 TX response, 7 TX producer, 8 gc, 9 final check, 10 event fields,
# 11 rewrite, 12 RX extra-info slot, 13 a chain of good RX slots),
# 0x80 = echo the request's id (0, 6) / refuse (2) / x64 (1) / GSO (12),
# 0x40 = flags or status follow (0, 6) / drop (2) / too many fragments (4)
# / more extra slots (12), 0x20 = more_data (0) / GSO (4)
def u16(v):
    return struct.pack("<H", v & 0xffff)


RX_OK = lambda off, size: b"\x80" + u16(off) + u16(size)
put("netif_ring", b"\0" + RX_OK(0, 60) + RX_OK(100, 1514) + b"\x02\x10\x03" + RX_OK(0, 0)
    + RX_OK(4000, 200) + b"\x02\x10")
put("netif_ring", b"\0" + b"\x04" + u16(60) + b"\x04" + u16(1514) + b"\x05\x86\x86\x08\x10\x09"
    + b"\xc6" + u16(0xffff) + b"\x08\x10")
put("netif_ring", b"\0" + RX_OK(0, 60) + b"\x82\x10" + b"\x02\x10" + b"\x81\x05\x02\x10")
put("netif_ring", b"\x01" + b"\xc0" + u16(0) + u16(1) + u16(60) + b"\x02\x10" + b"\x0a" + b"\xff" * 6
    + b"\x09\x89")
put("netif_ring", b"\0" + RX_OK(0, 60) + b"\x0b\x00\x00\x07" + b"\x02\x10" + b"\x00" + u16(300) + u16(0)
    + u16(60) + b"\x02\x10\x07\x05\x08\x10")
CHAIN = lambda n, length, last_flags: b"\x0d" + bytes([n - 1]) + u16(length) + u16(last_flags)
SG_ALL = 4 | 8 | 16 | 32
# scatter-gather, jumbo: a 3-slot chain, a 20-slot one (too long), polled
put("netif_ring", bytes([3 | SG_ALL]) + CHAIN(3, 3000, 0) + b"\x02\x10" + CHAIN(20, 100, 0) + b"\x02\x10\x03")
# GSO: first slot with extra_info and more_data, the GSO slot, the rest
put("netif_ring", bytes([3 | SG_ALL]) + b"\xc0" + u16(0) + u16(0x0009) + u16(4000) + b"\x8c" + u16(1448)
    + b"\x01" + CHAIN(2, 4000, 0) + b"\x02\x10")
# TX: several fragments, GSO, pushed and answered (OKAY, then NULL for the extra)
put("netif_ring", bytes([SG_ALL]) + b"\xa4\x02\x00" + u16(3000) + u16(3000) + u16(2000) + u16(1448) + b"\x01"
    + b"\x05" + b"\x86" * 3 + b"\xc6" + u16(0) + u16(0xffff) + b"\x08\x10")
# zero-copy with split channels: RX and TX through UMEM frames
put("netif_ring", bytes([128 | 64 | SG_ALL]) + b"\x03" + CHAIN(2, 1000, 0) + b"\x02\x10" + b"\x42\x10"
    + b"\x04\x01\x00" + u16(60) + b"\x10" + b"\x05\x86\x08\x10\x03")

# ---- fuzz_xs_store: op (% 8: write write read mkdir rm dir tx other), path byte
# (depth = b & 3, + 1 if b & 4; then one byte per component), for writes a
# length and the value
A, B, C, D = 0, 1, 2, 3


def path(*comps):
    n = len(comps)
    return bytes([(n - 1 if n > 3 else n) | (4 if n > 3 else 0)] + list(comps))


def w(p, val=b"v"):
    return bytes([0]) + p + bytes([len(val)]) + val


def op(kind, p):
    return bytes([kind]) + p


TX = op(6, path())
put("xs_store", w(path(A, B)) + op(2, path(A, B)) + op(5, path(A)))
put("xs_store", w(path(A, B, C)) + TX + op(4, path(A)) + w(path(A, C)) + op(5, path(A))
    + op(2, path(A, B, C)) + op(6, path(B)))
put("xs_store", TX + w(path(A, B, C, D)) + op(4, path(A, B)) + op(3, path(A, B, C))
    + op(5, path(A, B)) + op(6, path(B)) + op(5, path(A, B)))
put("xs_store", w(path(A)) + TX + op(4, path(A)) + op(3, path(A)) + op(6, path(A))
    + op(2, path(A)))
put("xs_store", op(4, path()) + op(7, path(A)) + TX + op(7, path(B)) + op(6, path(C)))

# ---- fuzz_xs_server: op byte (conn = op % 3, kind = op // 3 % 8: 4 stall,
# 5 raw bytes, 6 hang up, else a request: type, tx selector, body)
XS_DIRECTORY, XS_READ, XS_WATCH, XS_UNWATCH, XS_TXS, XS_TXE = 1, 2, 4, 5, 6, 7
XS_GDP, XS_WRITE, XS_MKDIR, XS_RM, XS_RESET = 10, 11, 12, 13, 21
P = {"vif": 0, "state": 1, "mac": 2, "backend": 3, "txref": 4, "be": 5, "bestate": 6,
     "rxcopy": 7, "/": 8, "data": 11, "data/a": 12, "rel": 14}


def req(conn, typ, tx=0, p=None, extra=b""):
    # body: how bit 0 = a path from the list; how >> 2 = bytes after it
    assert len(extra) < 64
    how = (1 if p is not None else 0) | (len(extra) << 2)
    body = bytes([how]) + (bytes([P[p]]) if p is not None else b"") + extra
    return bytes([conn, typ, tx]) + body


def raw(conn, data):
    return bytes([conn + 5 * 3, len(data)]) + data


handshake = (
    req(0, XS_READ, p="backend") + req(0, XS_READ, p="bestate")
    + req(0, XS_WATCH, p="bestate", extra=b"tok\0") + req(0, XS_READ, p="mac")
    + req(0, XS_TXS, extra=b"\0") + req(0, XS_WRITE, tx=1, p="txref", extra=b"8")
    + req(0, XS_WRITE, tx=1, p="state", extra=b"4") + req(0, XS_TXE, tx=1, extra=b"T\0")
    + req(0, XS_DIRECTORY, p="be") + req(0, XS_UNWATCH, p="bestate", extra=b"tok\0")
)
put("xs_server", handshake)
put("xs_server", req(1, XS_WRITE, p="data/a", extra=b"x" * 40) + req(2, XS_TXS, extra=b"\0")
    + req(2, XS_RM, tx=1, p="data") + req(1, XS_READ, p="data/a") + req(2, XS_TXE, tx=1, extra=b"T\0")
    + req(1, XS_READ, p="data/a") + bytes([1 + 6 * 3]) + req(1, XS_MKDIR, p="data"))
put("xs_server", req(0, XS_WATCH, p="/", extra=b"all\0") + bytes([0 + 4 * 3])
    + req(1, XS_WRITE, p="data", extra=b"1") * 5 + bytes([0 + 4 * 3]) + req(0, XS_RESET))
put("xs_server", raw(0, struct.pack("<IIII", XS_READ, 1, 0, 5000)) + raw(1, b"\x02\x00")
    + req(2, XS_GDP, extra=b"1\0") + req(2, 99, extra=b"x\0") + req(2, XS_TXE, extra=b"T\0"))

# ---- fuzz_filters: byte 0 = shape (0 as is, 1 insert zeros, 2/3 pad to 4000/9000)
def eth(tags=(), etype=0x0800):
    b = bytes.fromhex("020000000001020000000002")
    for t in tags:
        b += struct.pack(">HH", t, 42)
    return b + struct.pack(">H", etype)


def v4(proto, l4, src=b"\xc6\x33\x64\x01", frag=0, ihl=5):
    opts = b"\x01" * (ihl * 4 - 20)
    tot = 20 + len(opts) + len(l4)
    return struct.pack(">BBHHHBBH4s4s", 0x40 | ihl, 0, tot, 1, frag, 64, proto, 0, src,
                       b"\xc0\x00\x02\x01") + opts + l4


def v6(nh, payload, src=bytes.fromhex("20010db8000000000000000000000001")):
    return struct.pack(">IHBB16s16s", 0x60000000, len(payload), nh, 64, src,
                       bytes.fromhex("20010db8ffff00000000000000000001")) + payload


def tcp(dport, n=28):
    return (struct.pack(">HHIIBBHHH", 40000, dport, 0, 0, 0x50, 2, 0, 0, 0) + b"\xab" * 8)[:n]


def udp(dport):
    return struct.pack(">HHHH", 1000, dport, 16, 0) + b"\xab" * 8


def ext(nh, kind, length):
    if kind == 44:
        return struct.pack(">BBHI", nh, 0, 0, 42)
    if kind == 51:
        return bytes([nh, length // 4 - 2]) + b"\0" * (length - 2)
    return bytes([nh, length // 8 - 1, 1, min(length - 4, 255)]) + b"\0" * (length - 4)


for f in [
    eth() + v4(6, tcp(80)), eth() + v4(17, udp(53)), eth() + v4(6, tcp(81)),
    eth() + v4(6, tcp(80, 8), frag=0x2000), eth() + v4(6, b"\0" * 16, frag=0x2001),
    eth() + v4(6, tcp(80), ihl=7), eth((0x88a8, 0x8100)) + v4(6, tcp(80)),
    eth((0x8100,), 0x86dd) + v6(6, tcp(80)), eth(etype=0x86dd) + v6(0, ext(6, 0, 8) + tcp(80)),
    eth(etype=0x86dd) + v6(60, ext(43, 60, 16) + ext(44, 43, 24) + ext(51, 44, 8) + ext(6, 51, 12) + tcp(80)),
    eth(etype=0x86dd) + v6(17, udp(53)), eth(etype=0x0806) + b"\0\1\x08\0\6\4\0\1" + b"\0" * 20,
    eth((0x8100, 0x8100, 0x8100)) + v4(6, tcp(80)),
    eth() + v4(6, tcp(80), src=b"\x0a\0\0\1"),
    eth(etype=0x86dd) + v6(6, tcp(80), src=bytes.fromhex("20010db8000100020000000000000005")),
]:
    put("filters", b"\0" + f)
# multi-buffer: 4 KiB of options put the ports past the first 3520 bytes
put("filters", b"\0" + eth(etype=0x86dd) + v6(60, ext(60, 60, 2048) + ext(6, 60, 2048) + tcp(80)))
put("filters", b"\x03" + eth() + v4(6, tcp(80)))
# a run of zeros inserted at byte 30 (inside the IPv4 header)
put("filters", b"\x01" + struct.pack(">HH", 30, 4000) + eth() + v4(6, tcp(80)))
