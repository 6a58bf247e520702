"""API-key records remembered per container for a short time, so a request does not read the keys
table each time (one GetItem a request was a list page's first read and a portrait's fourth).

The price is the revocation delay: a key revoked elsewhere (another container, `scripts.api_keys
revoke`) is still accepted by a warm container for at most `TTL_S` seconds after that container last
read it; after that the record is read again and the revoked key refused. A revocation made in this
container (`auth.revoke_key`) takes effect here at once. Unknown keys are never remembered: a key
issued a moment ago works at once, and a guessed key always costs its own read.
"""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Callable
from threading import Lock
from typing import Final

from chalicelib.stores import api_keys
from chalicelib.stores.api_keys import StoredKey

TTL_S: Final = 30.0  # the revocation delay in warm containers (README: security and keys)
MAX_ENTRIES: Final = 1024  # keys in use at once are a few hundred at most; the oldest go first

_clock: Callable[[], float] = time.monotonic
_entries: OrderedDict[str, tuple[float, StoredKey]] = OrderedDict()
_lock = Lock()


def find(key_hash: str) -> StoredKey | None:
    """The key's record: remembered if read less than `TTL_S` ago, else read (and remembered if found)."""
    now = _clock()
    with _lock:
        entry = _entries.get(key_hash)
        if entry is not None and now - entry[0] < TTL_S:
            return entry[1]
    found = api_keys.find(key_hash)
    with _lock:
        if found is None:
            _entries.pop(key_hash, None)
        else:
            _entries[key_hash] = (now, found)
            _entries.move_to_end(key_hash)
            while len(_entries) > MAX_ENTRIES:
                _entries.popitem(last=False)
    return found


def forget(key_hash: str) -> None:
    """Drop a key's record (it was revoked here): the next request reads it again."""
    with _lock:
        _entries.pop(key_hash, None)


def clear() -> None:
    with _lock:
        _entries.clear()
