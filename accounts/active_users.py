"""Which version of a user's state the active-user cache may serve.

An app that caches what it needs of an active user (paper.active_users: wallets, positions,
watched instruments) stores each entry with the version current when it read the database;
whatever changes that state calls `changed`, after its transaction commits. An entry whose
version is not the current one is reloaded, so an entry loaded from before a change but
written after it is never served, whichever of the two processes finished last. accounts owns
the counter because its own writes (watched instruments) change the entry too, and accounts
does not import the apps after it on the road.
"""

from __future__ import annotations

from django.core.cache import cache
from django.db import transaction

# Far longer than any entry lives (paper.active_users.ENTRY_TTL_S), and renewed by each load:
# when a counter expires and starts again at 0, no entry stored with its old values is left.
VERSION_TTL_S = 24 * 3600


def version_key(user_id: int) -> str:
    return f"active:{user_id}:version"


def current_version(user_id: int) -> int:
    """The version an entry loaded now should carry (kept alive while it is in use)."""
    key = version_key(user_id)
    cache.add(key, 0, VERSION_TTL_S)
    cache.touch(key, VERSION_TTL_S)
    return cache.get(key, 0)


def changed(user_id: int) -> None:
    """The user's cached entries are out of date: the next read reloads them."""
    key = version_key(user_id)
    cache.add(key, 0, VERSION_TTL_S)
    try:
        cache.incr(key)
    except ValueError:  # expired between the two calls: a new counter is a new version too
        cache.set(key, 1, VERSION_TTL_S)


def changed_in_transaction(user_id: int) -> None:
    """`changed` now, and once more after the current transaction commits: a read in between
    may have loaded the rows from before it."""
    changed(user_id)
    transaction.on_commit(lambda: changed(user_id))
