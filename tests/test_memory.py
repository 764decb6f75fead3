"""trim_heap gives a tile loop's freed, fragmented heap back to the system (minerestore.memory)."""

import platform
import subprocess
import sys

import pytest

#: The pattern of a tile loop, in a fresh process (as a job is: the heap's state depends on all that came before).
#: Once glibc has freed a large block, arrays of a few hundred kB come from its heap; freed between small
#: survivors, they stay resident until trim_heap.
TILE_LOOP = """
import numpy as np, psutil
from minerestore.memory import trim_heap
process = psutil.Process()
big = np.ones(8 * 2**20 // 8)  # an 8 MB block freed: glibc's mmap threshold rises above the arrays below
del big
arrays, survivors = [], []
for _ in range(100):
    arrays.append(np.ones(512 * 1024 // 8))  # 512 kB each, 50 MB in all
    survivors.append(bytearray(4096))  # between them: the heap cannot shrink from its top
del arrays
resident = process.memory_info().rss
trimmed = trim_heap()
print(trimmed, resident - process.memory_info().rss)
"""


def test_trim_heap_returns_a_fragmented_heap_to_the_system():
    trimmed, released = subprocess.run([sys.executable, "-c", TILE_LOOP], capture_output=True, text=True,
                                       check=True).stdout.split()
    if platform.libc_ver()[0] != "glibc":
        pytest.skip("malloc_trim is glibc's")
    assert trimmed == "True" and int(released) > 30e6
