"""A user's trading settings: their own fees per exchange, the holding period funding legs are
counted over and the net spread under which opportunities are not shown.

Read through the cache (`trading_settings`), written through `save_trading_settings`, which
drops the cached copy: pages and the API read a user's fee table without the database, and a
user who never set anything costs one cache read.
"""

from __future__ import annotations

from django.core.cache import cache
from django.db import transaction

from accounts.models import ExchangeFee, TradingSettings
from arbitrage.fee_tables import UserTrading
from feeds.configuration import exchange_fees

CACHE_TTL_S = 24 * 3600  # dropped on every save; the TTL only bounds what an unused one holds


def cache_key(user_id: int) -> str:
    return f"trading:{user_id}"


def _load(user_id: int) -> UserTrading:
    row = TradingSettings.objects.filter(user_id=user_id).first()
    fees = list(ExchangeFee.objects.filter(user_id=user_id))
    defaults = UserTrading()
    return UserTrading(
        holding_h=row.holding_h if row else defaults.holding_h,
        min_net_spread_pct=row.min_net_spread_pct if row else None,
        taker_fees_pct={fee.exchange: fee.taker_fee_pct for fee in fees if fee.taker_fee_pct is not None},
        maker_fees_pct={fee.exchange: fee.maker_fee_pct for fee in fees if fee.maker_fee_pct is not None},
    )


def trading_settings(user) -> UserTrading:
    """The user's settings (the defaults for an anonymous user or one who set none), cached."""
    if not getattr(user, "is_authenticated", False):
        return UserTrading()
    key = cache_key(user.pk)
    found = cache.get(key)
    if found is None:
        found = _load(user.pk)
        cache.set(key, found, CACHE_TTL_S)
    return found


def fee_table(user) -> list[dict]:
    """Per exchange (admin → Exchanges), the user's own taker and maker fees (None: the admin's)
    beside the admin's, and the ones in force."""
    own = trading_settings(user)
    rows = []
    for exchange, (taker, maker) in exchange_fees().items():
        own_taker, own_maker = own.taker_fees_pct.get(exchange), own.maker_fees_pct.get(exchange)
        rows.append(
            {
                "exchange": exchange,
                "taker_fee_pct": own_taker,
                "maker_fee_pct": own_maker,
                "admin_taker_fee_pct": taker,
                "admin_maker_fee_pct": maker,
                "effective_taker_fee_pct": taker if own_taker is None else own_taker,
                "effective_maker_fee_pct": maker if own_maker is None else own_maker,
            }
        )
    return rows


def save_trading_settings(user, *, fees: dict[str, dict] | None = None, **fields) -> UserTrading:
    """Change the user's `holding_h` and/or `min_net_spread_pct`; `fees` (exchange ->
    {"taker_fee_pct", "maker_fee_pct"}, either None for the admin's) replaces all their own
    fees when given: an exchange not in it goes back to the admin's."""
    with transaction.atomic():
        if fields:
            TradingSettings.objects.update_or_create(user=user, defaults=fields)
        if fees is not None:
            ExchangeFee.objects.filter(user=user).delete()
            ExchangeFee.objects.bulk_create(
                ExchangeFee(
                    user=user,
                    exchange=exchange,
                    taker_fee_pct=fee.get("taker_fee_pct"),
                    maker_fee_pct=fee.get("maker_fee_pct"),
                )
                for exchange, fee in sorted(fees.items())
                if fee.get("taker_fee_pct") is not None or fee.get("maker_fee_pct") is not None
            )
        key = cache_key(user.pk)
        # Now, and once more after the commit: a read in between may have cached the old rows.
        cache.delete(key)
        transaction.on_commit(lambda: cache.delete(key))
    return trading_settings(user)
