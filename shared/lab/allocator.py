"""The host memory both frameworks run under: the allocator setting, kept the same for both, and the
process's own memory figures. The setting: freed memory is kept for the next step.

glibc's malloc gives a request above its mmap threshold fresh pages from the kernel and hands them back on
free; the threshold rises as large blocks are freed, but never past 32 MB. A training step makes its
first layer's gradient anew (all 20 groups' clean vocabulary: 130,107 × 100 floats, 52 MB; the dense
tutorial's batches are 355 MB), so above that size every step faults in every page again
(docs/allocator_probe.py times it each way; LESSONS §4). What the faults cost differs between machines, so
left alone the benchmark times the kernel rather than the framework, and differently on each machine.
PyTorch's CPU performance guide suggests jemalloc or tcmalloc for the same reason; two glibc settings do it
without another library.
"""

import ctypes
import gc
import re

# mallopt's parameter numbers, from glibc's malloc.h
M_TRIM_THRESHOLD, M_MMAP_THRESHOLD = -1, -3
KEPT_BYTES = 2**30  # blocks up to 1 GiB come from (and go back to) the process's own heap


def keep_freed_memory():
    """Tell glibc to serve blocks up to KEPT_BYTES from its heap and not to return freed memory to the
    kernel; returns a line for the record saying what was set, or None where the C library is not glibc."""
    try:
        libc = ctypes.CDLL("libc.so.6")
        applied = libc.mallopt(M_MMAP_THRESHOLD, KEPT_BYTES) == 1 and libc.mallopt(M_TRIM_THRESHOLD, KEPT_BYTES) == 1
    except (OSError, AttributeError):
        return None
    return f"glibc malloc, blocks up to {KEPT_BYTES >> 20} MiB kept for reuse (mmap and trim thresholds)" if applied else None


def host_mb(field):
    """A memory figure of this process from Linux's /proc/self/status, in MB: VmHWM (peak) or VmRSS (now);
    None where there is no such file."""
    try:
        with open("/proc/self/status") as status:
            return int(re.search(rf"{field}:\s+(\d+)", status.read()).group(1)) / 1024
    except (OSError, AttributeError):
        return None


def give_back_freed_memory():
    """Collect what is garbage and hand what the heap then holds free (the kept blocks) back to the kernel:
    glibc's malloc_trim; where the C library is not glibc, only the collection."""
    gc.collect()
    try:
        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):
        pass


def start_peak():
    """Start measuring a peak of this process's resident memory from here: what is garbage is collected and
    the heap's free memory handed back to the kernel first (malloc_trim), so what earlier work left free for
    reuse is not counted as held, and Linux's peak counter is reset (clear_refs). Returns the resident MB
    at the start, for peak_since; None where Linux's counters are not there."""
    give_back_freed_memory()
    try:
        with open("/proc/self/clear_refs", "w") as refs:
            refs.write("5")
    except (OSError, AttributeError):
        return None
    return host_mb("VmRSS")


def peak_since(start):
    """MB the process's resident memory rose above `start` (from start_peak) at its peak; None without a start."""
    return None if start is None else max(0.0, host_mb("VmHWM") - start)
