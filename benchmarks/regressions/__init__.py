"""Judging results against others: ``kvsbench compare`` (a baseline), its noise-aware speed
verdict (``speedcheck``) and ``kvsbench history`` (a series of runs)."""
