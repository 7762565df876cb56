#!/usr/bin/env python3
"""Writes the hand-written seed inputs of tests/fuzz/corpus_regs and corpus_config.

Run from anywhere: python3 tests/fuzz/make_seeds.py. The seeds are checked in; this script only
documents how they were made (the operation format is described in fuzz_regs.cpp).
"""
import os
import struct

HERE = os.path.dirname(os.path.abspath(__file__))

# fuzz_regs operation: flags, offset (u16 LE, 12 bits used), value (u32 LE), advance (n * 100 ns)
def op(write, offset, value=0, advance=0, size_sel=0, outside=False):
    flags = (1 if write else 0) | (size_sel << 1) | (8 if outside else 0)
    return struct.pack("<BHIB", flags, offset, value & 0xFFFFFFFF, advance)

def W(off, val, adv=0):
    return op(True, off, val, adv)

def R(off, adv=0):
    return op(False, off, 0, adv)

CH = 0x100
G = 0x800
CTRL, STATUS, DLO, DHI, DCNT, BELL, INT, ERR, BLO, BHI = 0, 4, 8, 0xC, 0x10, 0x14, 0x18, 0x1C, 0x20, 0x24

def program(ch, lo, hi, count, irq=True, adv=200):
    b = ch * CH
    return (W(b + CTRL, 1 if irq else 0) + W(b + DLO, lo) + W(b + DHI, hi) + W(b + DCNT, count) +
            W(b + BELL, 1, adv) + R(b + STATUS) + R(b + ERR) + R(b + INT) + W(b + INT, 3))

regs = {
    "ids": R(G + 0) + R(G + 4) + R(G + 0x14) + R(G + 8) + R(G + 0xC) + R(G + 0x10) + R(G + 0x18),
    "one_desc_ch0": program(0, 0x1000_0000, 0, 1),
    "max_desc_both": program(0, 0x1000_0000, 0, 4096, adv=0) + program(1, 0x1_0000_0000 >> 0 & 0xFFFFFFFF, 1, 4096),
    "count0_reset": program(0, 0, 0, 0) + W(CTRL, 2) + R(STATUS) + program(1, 0x20, 0, 4097),
    "msi_outside_window": W(G + 8, 0x1000_0000) + W(G + 0xC, 0) + program(0, 0x1000, 0, 2),
    "desc_in_msi_window": program(1, 0xFEE0_0000, 0, 8),
    "desc_high": program(0, 0xFFFF_0000, 0xFEFF_FFFF, 2) + program(1, 0xFFFF_F000, 0x7FFF_FFFF, 4096),
    "bell_while_busy": program(0, 0x1000_0000, 0, 4096, adv=1) + W(BELL, 1) + W(CTRL, 2) + W(BELL, 1, 255),
    "odd_sizes": op(False, 3) + op(True, 0x14, 1, 0, 2) + op(False, 0x800, 0, 7, 2) + op(True, 0x800, 5, 0, 3) +
                 op(False, 0x10, 0, 0, 0, True) + op(True, 0xFFC, 0xFFFFFFFF),
    "third_channel": program(2, 0x1000, 0, 1) + R(0x200) + W(0x7FC, 1),
}

config = {
    "argv_basic": b"\0".join([b"--size", b"64K", b"--map-registers", b"16", b"--channels=2", b"--quiet"]),
    "argv_flags": b"\0".join([b"--dma32", b"--buffer-above-4g=off", b"--random", b"--seed", b"18446744073709551615"]),
    "argv_times": b"\0".join([b"--read-rtt", b"550.5", b"--quantum=0.001", b"--isr-body", b"1e3"]),
    "argv_inject": b"\0".join([b"--inject", b"driver:complete-twice", b"--iotlb-entries", b"64", b"--iotlb-ways", b"4"]),
    "argv_errors": b"\0".join([b"--vcd", b"--json", b"x", b"--nope", b"plain"]),
    "argv_help": b"--help",
    "json_basic": b'{"size": "1M", "map_registers": 32, "direction": "from-device", "iommu": "on"}',
    "json_types": b'{"dma32": true, "read-rtt": 550.25, "seed": 0, "vram": 1073741824, "quiet": 1}',
    "json_bad": b'{"size": [1, {"a": null}], "mps": -1}',
    "json_nested": b'{"inject": "hw:stuck", "iotlb_ways": 3}',
    "json_not_object": b'[1,2,3]',
}

# Results files for fuzz_results: the foreign shapes merge must refuse. corpus_results/real_ok is
# a real one, checked in as written (dmasim --size 64K --map-registers 4 --json F, per_request
# cut to one entry).
results = {
    "not_object_array": b"[1, 2, 3]",
    "not_object_number": b"5",
    "empty_object": b"{}",
    "config_number": b'{"config": 5, "status": "ok", "throughput_GBps": 1.0}',
    "throughput_string": b'{"config": {"map_registers": 4}, "status": "ok", "throughput_GBps": "x"}',
    "minimal_error": b'{"config": {"map_registers": 8, "iommu": "on"}, "status": "error", '
                     b'"error": "data mismatch", "throughput_GBps": 0.5, "map_registers_granted": 8}',
    "hostile_strings": b'{"config": {"map_registers": 2, "miniport": "x\u0027 ; system(\u0027touch F\u0027)'
                       b' ; print \u0027\n`id`"}, "status": "interrupted", "throughput_GBps": 0}',
    "deep": b'{"config": {"map_registers": 2}, "status": "ok", "throughput_GBps": 1, "x": '
            + b"[" * 70 + b"]" * 70 + b"}",
}

# Reproducers of findings (not seeds: cmake/fuzz.sh replays them separately).
repro = {
    # ch0: descriptors at 0xFFFFFFFF_FFFFFFE0, 2 of them (64 bytes wrap past 2^64), doorbell.
    "regs_desc_wraps_2_64": program(0, 0xFFFF_FFE0, 0xFFFF_FFFF, 2) + program(1, 0xFFFF_F000, 0xFFFF_FFFF, 4096),
}

for name, files in (("corpus_regs", regs), ("corpus_config", config), ("corpus_results", results),
                    ("repro", repro)):
    d = os.path.join(HERE, name)
    os.makedirs(d, exist_ok=True)
    for f, data in files.items():
        with open(os.path.join(d, f), "wb") as out:
            out.write(data)
