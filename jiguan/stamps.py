"""When each open assessment last changed, read once per interval for all the sessions of a
process instead of once per open tab.

Every open tab polls every few seconds (pages/common/sidebar.py) whether a colleague saved to
its assessment. Asked one by one, 200 tabs make 40 database reads a second; the board answers
them from memory and asks the database for all the assessments being watched in one query at
most once per ``every`` seconds (issue 25; numbers in bench/README.md). A change made by this
or another process shows within ``every`` seconds plus the tab's own poll interval.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Sequence
from datetime import datetime

Read = Callable[[Sequence[int]], dict[int, datetime]]


class Stamps:
    """``updated_at`` of the assessments being watched, refreshed together.

    Args:
        read: the store's `stamps` (one query for many ids); its errors reach the caller.
        every: seconds a reading is used for.
        forget_after: an assessment no tab has asked about for this long is no longer read.
    """

    def __init__(
        self,
        read: Read,
        *,
        every: float = 1.0,
        forget_after: float = 60.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._read = read
        self._every = every
        self._forget_after = forget_after
        self._clock = clock
        self._lock = threading.Lock()
        self._watched: dict[int, float] = {}  # aid → when a tab last asked
        self._stamps: dict[int, datetime] = {}
        self._read_at = float("-inf")

    def get(self, aid: int) -> datetime | None:
        """When ``aid`` last changed (None: no such assessment), at most ``every`` s old."""
        with self._lock:
            now = self._clock()
            self._watched[aid] = now
            if now - self._read_at >= self._every or aid not in self._stamps:
                self._watched = {
                    a: at for a, at in self._watched.items() if now - at < self._forget_after
                }
                self._stamps = self._read(sorted(self._watched))
                self._read_at = now
            return self._stamps.get(aid)
