"""Each active user's paper state in the cache, so that an execution checks a pair against
what the user holds without reading the database: the wallets (id and balance per exchange
and settle currency), the open positions, the sizing limits and the watched instruments.

Read through (`active_user`): a user who executes is loaded once and then served from the
cache (Redis when scaled out, so every web process sees one entry) while the entry lives
(ENTRY_TTL_S). Every write that changes what it holds marks the user changed, now and after
its transaction commits (accounts.active_users): a fill, a balance set, a funding payment, a
limit or a watched instrument saved, an admin's edit. A fill and a balance set also load the
entry again once committed, so the user's next execution finds it ready. An entry loaded
before a change is never served after it, whichever process stored it last (its version).
The database stays the source of truth: an execution fills in one transaction there, and
the wallets' never-negative constraint refuses an overdraft a cached balance did not foresee.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from django.core.cache import cache
from django.db import transaction

from accounts.active_users import changed_in_transaction, current_version, version_key
from accounts.services import watched_instruments
from paper.models import PaperLimits, PaperPosition, PaperWallet
from paper.positions import Position

ENTRY_TTL_S = 300


@dataclass(frozen=True)
class CachedWallet:
    id: int
    balance: Decimal


@dataclass(frozen=True)
class ActiveUser:
    user_id: int
    version: int  # accounts.active_users' counter when this was read from the database
    wallets: dict[tuple[str, str], CachedWallet] = field(default_factory=dict)  # (exchange, currency) ->
    positions: dict[tuple[str, str], Position] = field(default_factory=dict)  # (exchange, instrument) -> open
    instruments: frozenset[str] = frozenset()  # watched (accounts.WatchedInstrument)
    max_pair_notional: Decimal | None = None
    max_exchange_notional: Decimal | None = None


def entry_key(user_id: int) -> str:
    return f"active:{user_id}:paper"


def active_user(user) -> ActiveUser:
    """The user's cached entry, loaded from the database when absent or out of date."""
    found = cache.get_many([entry_key(user.pk), version_key(user.pk)])
    entry = found.get(entry_key(user.pk))
    if entry is not None and entry.version == found.get(version_key(user.pk)):
        return entry
    return load_active_user(user)


def load_active_user(user) -> ActiveUser:
    user_id = user.pk
    version = current_version(user_id)  # before reading: a change from here on outdates this entry
    limits = PaperLimits.objects.filter(user_id=user_id).values_list("max_pair_notional", "max_exchange_notional")
    max_pair, max_exchange = limits.first() or (None, None)
    entry = ActiveUser(
        user_id=user_id,
        version=version,
        wallets={
            (exchange, currency): CachedWallet(pk, balance)
            for pk, exchange, currency, balance in PaperWallet.objects.filter(user_id=user_id).values_list(
                "pk", "exchange", "currency", "balance"
            )
        },
        positions={
            (exchange, instrument): Position(size, entry_price, realised)
            for exchange, instrument, size, entry_price, realised in PaperPosition.objects.filter(user_id=user_id)
            .exclude(size_base=0)
            .values_list("exchange", "instrument", "size_base", "entry_price", "realised_pnl")
        },
        instruments=frozenset(watched_instruments(user)),
        max_pair_notional=max_pair,
        max_exchange_notional=max_exchange,
    )
    cache.set(entry_key(user_id), entry, ENTRY_TTL_S)
    return entry


def paper_changed(user_id: int) -> None:
    """The user's entry is out of date: reloaded on its next read (accounts.active_users)."""
    changed_in_transaction(user_id)


def refresh_active_user(user) -> None:
    """As paper_changed, and loaded again once the transaction has committed, so that the
    user's next execution finds it in the cache (a fill, a balance set or reset)."""
    paper_changed(user.pk)
    transaction.on_commit(lambda: load_active_user(user))
