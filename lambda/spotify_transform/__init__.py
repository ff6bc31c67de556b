"""The transform: Spotify response files in the raw zone → curated Parquet tables.

Importing the package tunes polars' allocator for a batch job. polars configures its jemalloc
through `_RJEM_MALLOC_CONF` when it is first imported, returning freed pages to the kernel after
0.5 s, and appends any value already in that variable, which then wins. At 0.5 s the pages one
batch frees are gone before the next batch needs them, and every batch pays page faults and TLB
shootdowns again; keeping them 5 s cut the transform's wall time by ~4% and its system time by
~20% on `scripts/bench_transform.py`, for ~100 MB more peak RSS (a warm Lambda gives the pages
back 5 s after an invocation). A value the user set is left alone. It takes effect only if polars
was not imported before this package (true for the CLI and the Lambda handler).
"""

import os

ALLOCATOR_ENV = "_RJEM_MALLOC_CONF"
ALLOCATOR_CONF = "dirty_decay_ms:5000,muzzy_decay_ms:5000"

os.environ.setdefault(ALLOCATOR_ENV, ALLOCATOR_CONF)
