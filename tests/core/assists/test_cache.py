"""The per-image cache of the assists: bounded by bytes, least recently used out first, made once per key."""

from __future__ import annotations

import contextlib
import threading
import time

from annotator.core.assists.cache import BoundedCache


def sized(value: bytes) -> int:
    return len(value)


def test_the_least_recently_used_go_first_when_the_bytes_run_out():
    cache = BoundedCache(10, sized)
    cache.put("a", b"1234")
    cache.put("b", b"1234")
    assert cache.get("a") == b"1234"  # a is now the more recent
    cache.put("c", b"1234")
    assert cache.get("b") is None and cache.get("a") == b"1234" and cache.get("c") == b"1234"
    assert cache.held_bytes == 8 and len(cache) == 2


def test_a_value_larger_than_the_whole_budget_is_handed_back_but_not_kept():
    cache = BoundedCache(10, sized)
    value, made = cache.get_or_make("big", lambda: b"x" * 11)
    assert (value, made) == (b"x" * 11, True) and cache.get("big") is None and cache.held_bytes == 0


def test_the_same_key_asked_for_at_once_is_made_once():
    cache = BoundedCache(100, sized)
    calls = []

    def slow() -> bytes:
        calls.append(1)
        time.sleep(0.2)
        return b"features"

    results = []
    threads = [threading.Thread(target=lambda: results.append(cache.get_or_make(("image", 1, "sha"), slow)))
               for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(calls) == 1
    assert sorted(made for _, made in results) == [False, False, False, True]


def test_a_failed_make_leaves_nothing_and_the_next_call_tries_again():
    cache = BoundedCache(100, sized)

    def failing() -> bytes:
        raise OSError("gone")

    with contextlib.suppress(OSError):
        cache.get_or_make("k", failing)
    assert cache.get("k") is None
    assert cache.get_or_make("k", lambda: b"ok") == (b"ok", True)
