"""A least-recently-used cache bounded by the bytes its values hold, shared by the threads of one process.

What an assist prepares once per image (its pixels, the scissors' edge features, a model's embedding) is kept
here under the image's id and content hash, so a later call on the same image skips that work, and a replaced
image (same id, other bytes) is never answered from the old one's. Two requests wanting the same value at once
compute it once: the second waits for the first.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

Value = TypeVar("Value")


class BoundedCache(Generic[Value]):
    """At most `max_bytes` of values (as `size_of` counts them); the least recently used go first. A value
    larger than the whole budget is handed back but not kept."""

    def __init__(self, max_bytes: int, size_of: Callable[[Value], int]) -> None:
        self.max_bytes = max_bytes
        self.size_of = size_of
        self._entries: OrderedDict[Hashable, tuple[Value, int]] = OrderedDict()
        self._held = 0
        self._lock = threading.Lock()
        self._making: dict[Hashable, threading.Lock] = {}

    def get(self, key: Hashable) -> Value | None:
        with self._lock:
            entry = self._entries.get(key)
            if entry is None:
                return None
            self._entries.move_to_end(key)
            return entry[0]

    def get_or_make(self, key: Hashable, make: Callable[[], Value]) -> tuple[Value, bool]:
        """The value under `key`, made by `make()` if absent; and whether it was made by this call."""
        found = self.get(key)
        if found is not None:
            return found, False
        with self._lock:
            making = self._making.setdefault(key, threading.Lock())
        with making:  # one maker per key; the others wait here, then find its value
            found = self.get(key)
            if found is not None:
                return found, False
            try:
                value = make()
                self.put(key, value)
            finally:
                with self._lock:
                    self._making.pop(key, None)
            return value, True

    def put(self, key: Hashable, value: Value) -> None:
        size = self.size_of(value)
        with self._lock:
            old = self._entries.pop(key, None)
            if old is not None:
                self._held -= old[1]
            if size > self.max_bytes:
                return
            self._entries[key] = (value, size)
            self._held += size
            while self._held > self.max_bytes:
                _, (_, dropped) = self._entries.popitem(last=False)
                self._held -= dropped

    @property
    def held_bytes(self) -> int:
        return self._held

    def __len__(self) -> int:
        return len(self._entries)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
            self._held = 0
