"""Which quotes and opportunities a /ws subscription takes (arbitrage.subscriptions), as the
fan-out, the snapshots and the presence registry apply it."""

from __future__ import annotations

from arbitrage import presence
from arbitrage.fanout import update_texts
from arbitrage.subscriptions import (
    ALL,
    NONE,
    OF_INSTRUMENTS,
    every_opportunity,
    every_quote,
    from_query,
    wants_opportunity,
)

BTC, ETH, SOL = "BTC/USDT:USDT", "ETH/USDT:USDT", "SOL/USDT:USDT"


def test_the_seed_empty_subscription_is_everything_and_the_others_are_what_they_name():
    assert every_quote((), OF_INSTRUMENTS) and every_opportunity((), OF_INSTRUMENTS)
    assert not every_quote((), ALL) and every_opportunity((), ALL)
    assert not every_quote((), NONE) and not every_opportunity((), NONE)
    assert not every_quote({ETH}, OF_INSTRUMENTS) and not every_opportunity({ETH}, OF_INSTRUMENTS)
    assert wants_opportunity({ETH}, OF_INSTRUMENTS, ETH, ETH) and not wants_opportunity({ETH}, OF_INSTRUMENTS, BTC, BTC)
    assert wants_opportunity({ETH}, ALL, BTC, BTC)
    assert not wants_opportunity({ETH}, NONE, ETH, ETH)


def _event() -> dict:
    return {
        "seq": 3,
        "items": [[BTC, '"q-btc"'], [ETH, '"q-eth"']],
        "opportunities": [[BTC, BTC, '"o-btc"'], [SOL, SOL, '"o-sol"']],
        "closed": [[ETH, ETH, '"c-eth"']],
    }


def test_an_update_splits_quotes_and_opportunities_by_mode():
    eth_and_all = update_texts(_event(), frozenset({ETH}), opportunities=ALL)
    assert eth_and_all == [
        '{"type":"price_update","seq":3,"data":["q-eth"]}',
        '{"type":"arbitrage_opportunities","seq":3,"data":["o-btc","o-sol"]}',
        '{"type":"opportunity_closed","seq":3,"data":["c-eth"]}',
    ]
    assert update_texts(_event(), frozenset(), opportunities=ALL)[0].startswith('{"type":"arbitrage_opportunities"')
    assert update_texts(_event(), frozenset({ETH}), opportunities=NONE) == [
        '{"type":"price_update","seq":3,"data":["q-eth"]}'
    ]
    assert update_texts(_event(), frozenset(), opportunities=NONE) == []


def _entry(*instruments: str, everything: bool = False, all_opportunities: bool = False) -> presence.Watchers:
    return presence.Watchers("c", 1, [1], everything, list(instruments), 0, all_opportunities)


def test_the_engine_sends_every_opportunity_while_anyone_takes_them_all_but_only_watched_quotes():
    pages = [_entry(ETH, all_opportunities=True), _entry(BTC)]
    assert presence.watched_union(pages) == {ETH, BTC}
    assert presence.opportunities_watched(pages) is None
    assert presence.opportunities_watched([_entry(ETH), _entry(BTC)]) == {ETH, BTC}
    assert presence.opportunities_watched([_entry(everything=True)]) is None
    assert presence.opportunities_watched([]) is None


def test_a_subscription_named_in_the_url():
    assert from_query(b"") == ([], None, None)
    assert from_query(b"instruments=BTC%2FUSDT%3AUSDT,ETH-USDT-USDT&opportunities=all") == (
        [BTC, "ETH-USDT-USDT"],
        ALL,
        None,
    )
    assert from_query(b"opportunities=none") == ([], NONE, None)
    names, mode, wrong = from_query(b"instruments=BTC%2FUSDT%3AUSDT&opportunities=some")
    assert (names, mode) == ([BTC], None) and wrong.startswith("opportunities must be one of")


def test_only_instruments_chosen_with_their_opportunities_are_charted():
    prices_page = presence.Watchers("c", 1, [1], False, [BTC, ETH], 0, False, charted=[])
    instrument_page = presence.Watchers("d", 1, [1], False, [SOL], 0, False, charted=[SOL])
    older_process = presence.Watchers("e", 1, [1], False, [ETH], 0)  # no `charted`: its instruments
    assert presence.watched_union([prices_page, instrument_page]) == {BTC, ETH, SOL}
    assert presence.explicitly_watched([prices_page, instrument_page]) == {SOL}
    assert presence.explicitly_watched([older_process]) == {ETH}
