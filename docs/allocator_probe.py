"""What glibc's malloc costs a training step that makes a large gradient anew: a block the size of the clean
recipe's first-layer gradient on all 20 groups (130,107 × 100 float32, 52 MB) made, filled and freed, timed
with glibc's defaults and with freed blocks kept for reuse (shared/lab/allocator.py), each way in a fresh process.

    python docs/allocator_probe.py [--repeats 20] --out FILE.json

With the defaults a block over glibc's mmap threshold (at most 32 MB) comes fresh from the kernel and goes back
on free, so every page is faulted in again each time; kept, it is memory the process already holds.
"""

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

from shared.lab.record import machine_info, write_atomically

FLOATS = 130_107 * 100


def time_blocks(keep, repeats):
    """Milliseconds to make, fill and free one block, `repeats` times, in this process."""
    if keep:
        from shared.lab.allocator import keep_freed_memory
        keep_freed_memory()
    seconds = []
    for _ in range(repeats + 1):  # the first makes the heap big enough when blocks are kept: not counted
        start = time.perf_counter()
        block = np.empty(FLOATS, np.float32)
        block.fill(1.0)
        del block
        seconds.append(time.perf_counter() - start)
    return [1000 * s for s in seconds[1:]]


def in_fresh_process(keep, repeats):
    code = f"import json; from docs.allocator_probe import time_blocks; print(json.dumps(time_blocks({keep}, {repeats})))"
    found = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                           cwd=Path(__file__).resolve().parent.parent)
    return json.loads(found.stdout)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=20)
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args(argv)
    ways = {}
    for name, keep in (("default", False), ("kept", True)):
        ms = in_fresh_process(keep, args.repeats)
        ways[name] = {"ms": ms, "median_ms": float(np.median(ms))}
        print(f"{name:<8} {ways[name]['median_ms']:.2f} ms a block (median of {args.repeats})")
    report = {"command": "python docs/allocator_probe.py " + " ".join(argv or []), "megabytes": FLOATS * 4 / 1e6,
              "repeats": args.repeats, "ways": ways, "machine": machine_info()}
    write_atomically(args.out, json.dumps(report, indent=1) + "\n")


if __name__ == "__main__":
    main(sys.argv[1:])
