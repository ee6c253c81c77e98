#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""A minimal heart-rate logger with python3-bleak, the yardstick for paced's
cost in bench/bleak-compare: connect to a strap, subscribe to Heart Rate
Measurement (0x2A37), decode each notification (flags, uint8/uint16 heart
rate, optional energy, RR list) and append one line per notification to a
file, as a small logging app would. Runs for --seconds, then disconnects."""

import argparse
import asyncio
import struct
import sys
import time

from bleak import BleakClient, BleakScanner
from bleak.exc import BleakError

HRM = "00002a37-0000-1000-8000-00805f9b34fb"


def decode(data: bytearray):
    flags = data[0]
    i = 1
    if flags & 0x01:
        hr = struct.unpack_from("<H", data, i)[0]
        i += 2
    else:
        hr = data[i]
        i += 1
    if flags & 0x08:
        i += 2  # energy expended
    rr = []
    if flags & 0x10:
        while i + 1 < len(data):
            rr.append(struct.unpack_from("<H", data, i)[0] * 1000 // 1024)
            i += 2
    return hr, rr


async def run(args):
    device = await BleakScanner.find_device_by_address(
        args.address, timeout=30.0, adapter=args.adapter)
    if device is None:
        print(f"{args.address} not found", flush=True)
        return 1
    count = 0
    with open(args.out, "w", encoding="ascii") as out:
        def on_hrm(_, data):
            nonlocal count
            hr, rr = decode(data)
            count += 1
            out.write(f"{time.monotonic():.3f} {hr} {' '.join(map(str, rr))}\n")
            out.flush()

        # bluetoothd 5.66 sometimes drops the first connection while it
        # resolves services (bleak: "device disconnected"): try again, as a
        # logging app must.
        for attempt in range(1, 6):
            try:
                async with BleakClient(device, adapter=args.adapter) as client:
                    await client.start_notify(HRM, on_hrm)
                    print(f"subscribed (attempt {attempt})", flush=True)
                    await asyncio.sleep(args.seconds)
                    await client.stop_notify(HRM)
                break
            except BleakError as e:
                print(f"attempt {attempt}: {e}", flush=True)
                await asyncio.sleep(1.0)
        else:
            return 1
    print(f"done: {count} notifications", flush=True)
    return 0


def main():
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--address", required=True)
    p.add_argument("--adapter", default="hci0")
    p.add_argument("--seconds", type=float, default=60.0)
    p.add_argument("--out", required=True)
    return asyncio.run(run(p.parse_args()))


if __name__ == "__main__":
    sys.exit(main())
