from decimal import Decimal

from arbitrage.spreads import exact_spread, net_spread_pct_f, units_of
from arbitrage.tests.factories import make_quote


def test_gross_and_net_spread_after_both_taker_fees_are_exact():
    buy = make_quote("binance", bid="99.9", ask="100", size="2")
    sell = make_quote("bybit", bid="101", ask="101.1", size="0.5")
    spread = exact_spread(buy, sell, buy_fee_pct=Decimal("0.05"), sell_fee_pct=Decimal("0.055"))
    assert spread.buy_price == Decimal("100")
    assert spread.sell_price == Decimal("101")
    assert spread.gross_spread_pct == Decimal("1")
    # (101 × (1 − 0.00055) − 100 × (1 + 0.0005)) / 100 × 100
    assert spread.net_spread_pct == Decimal("0.89445")
    assert spread.size_base == Decimal("0.5")
    assert spread.profit_quote == Decimal("0.447225")
    assert spread.basis_risk is False


def test_float_screening_agrees_with_the_exact_figure():
    assert abs(net_spread_pct_f(100.0, 0.0005, 101.0, 0.00055) - 0.89445) < 1e-9


def test_multiplied_bases_compare_per_coin():
    buy = make_quote("binance", instrument="1000PEPE/USDT:USDT", bid="0.0119", ask="0.012", size="1000")
    sell = make_quote("okx", instrument="PEPE/USDT:USDT", bid="0.0000121", ask="0.0000122", size="500000")
    spread = exact_spread(buy, sell, Decimal(0), Decimal(0))
    assert spread.buy_price == Decimal("0.000012")
    assert spread.size_base == Decimal("500000")  # 1,000 × 1000PEPE = 1,000,000 PEPE on the buy side
    assert spread.gross_spread_pct.quantize(Decimal("0.0001")) == Decimal("0.8333")


def test_legs_in_different_quote_currencies_carry_basis_risk():
    buy = make_quote("deribit", instrument="BTC/USD:BTC", bid="43000", ask="43001")
    sell = make_quote("binance", instrument="BTC/USDT:USDT", bid="43100", ask="43101")
    assert exact_spread(buy, sell, Decimal(0), Decimal(0)).basis_risk is True


def test_units_group_a_coin_and_its_quote_family():
    assert units_of("BTC/USDT:USDT").group == units_of("BTC/USD:BTC").group == "BTC/USD"
    pepe = units_of("1000PEPE/USDT:USDT")
    assert (pepe.group, pepe.coin, pepe.quote, pepe.multiplier) == ("PEPE/USD", "PEPE", "USDT", 1000)
