"""What executes a pair for a user: the interface paper trading implements, and that a live
executor could implement later. Pure: no Django.

Paper is the only executor built. A live one (an exchange client such as ccxt, signing with the
user's API keys kept encrypted at rest and decrypted only in the worker that sends the orders)
would implement `Executor` and be registered where paper's is: the API, the pages and /ws
(arbitrage.executions) then reach it through the same calls. What changes between the two is
what "both legs or neither" can promise; see `Executor`.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Protocol, runtime_checkable


class ExecutionRefused(Exception):
    """Nothing was filled, and why, in words a trader reads (the API's 409 detail)."""


@dataclass(frozen=True)
class PairOrder:
    """Long `size_base` of `instrument` on `buy_exchange`, short the same on `sell_exchange`."""

    buy_exchange: str
    sell_exchange: str
    instrument: str  # canonical, BASE/QUOTE:SETTLE
    size_base: Decimal
    idempotency_key: str  # chosen by the client, unique per user


@dataclass(frozen=True)
class FilledLeg:
    exchange: str
    instrument: str
    side: str  # "buy" or "sell"
    price: Decimal  # average fill price
    size_base: Decimal
    fee: Decimal  # settle currency
    currency: str  # settle currency


@dataclass(frozen=True)
class PairFill:
    execution_id: str  # the executor's own id (paper: the PaperExecution's)
    filled_now: bool  # False: the idempotency key was filled before; nothing more was
    legs: tuple[FilledLeg, ...]


@runtime_checkable
class Executor(Protocol):
    """Executes both legs of a pair as market (taker) orders, for one user, synchronously:
    callers in async code run it off the event loop.

    The contract every implementation keeps:
    - **Idempotent per user and key:** a retried `idempotency_key` returns the first
      execution (`filled_now` False) and sends nothing. Paper keeps this with a unique
      constraint; a live executor would also pass the key (or a hash of user and key) to each
      exchange as its client order id, so a retry after a timeout cannot double an order.
    - **Both legs or neither:** paper fills both in one database transaction. A live executor
      cannot make two exchanges atomic: it sends both legs at once as immediate-or-cancel,
      and if one fills and the other does not, it unwinds the filled one at market and raises
      `ExecutionRefused` saying so (the unwind's fills recorded like any other).
    - **Refusals before orders:** a stale or missing quote, a size beyond the user's limits or
      the books, a wallet (or margin account) that cannot cover a leg raise
      `ExecutionRefused` and change nothing.
    - **Records what it did:** fills, positions and the equity curve, the same rows paper
      writes, so the pages and the API read live and paper executions alike.
    """

    def execute_pair(self, user: Any, order: PairOrder) -> PairFill: ...
