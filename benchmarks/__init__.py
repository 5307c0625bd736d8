"""newsbrief benchmarks: quality and speed, run with ``make bench`` (``python -m benchmarks``)."""
