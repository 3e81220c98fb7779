"""Paper money behind the Executor interface a live executor would implement."""

from __future__ import annotations

from decimal import Decimal as D

import pytest

from paper.execution import PaperExecutor, set_balance
from paper.executor import ExecutionRefused, Executor, FilledLeg, PairOrder
from paper.models import PaperExecution
from paper.tests.market import INSTRUMENT

pytestmark = pytest.mark.django_db


def test_paper_is_an_executor_filling_both_legs_once_per_key(alice, market):
    set_balance(alice, "binance", "USDT", D("10000"))
    set_balance(alice, "bybit", "USDT", D("10000"))
    executor = PaperExecutor()
    order = PairOrder("binance", "bybit", INSTRUMENT, D("1"), "exec-1")

    first = executor.execute_pair(alice, order)
    again = executor.execute_pair(alice, order)

    assert isinstance(executor, Executor)
    assert (first.filled_now, again.filled_now, again.execution_id) == (True, False, first.execution_id)
    assert first.legs == (
        FilledLeg("binance", INSTRUMENT, "buy", D("2315.20"), D("1"), D("1.1576"), "USDT"),
        FilledLeg("bybit", INSTRUMENT, "sell", D("2330.40"), D("1"), D("1.281720"), "USDT"),
    )
    assert PaperExecution.objects.count() == 1


def test_a_refusal_is_an_execution_refused_and_fills_nothing(alice, market):
    order = PairOrder("binance", "bybit", INSTRUMENT, D("1"), "no-wallet")

    with pytest.raises(ExecutionRefused, match="no USDT wallet on binance"):
        PaperExecutor().execute_pair(alice, order)
    assert PaperExecution.objects.count() == 0
