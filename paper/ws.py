"""/ws `execute` messages, filled on paper: the handlers paper registers with the consumer
(arbitrage.executions) when Django starts. `execute_message` validates as POST
/api/paper/executions does and calls the same function; `connected` puts a connecting user's
entry in the active-user cache. Both run in a worker thread, off the event loop."""

from __future__ import annotations

from arbitrage.messages import Error, Execute, Execution, ExecutionFill
from lib.numbers import plain
from paper.active_users import active_user
from paper.execution import execute_pair
from paper.executor import ExecutionRefused
from paper.models import PaperExecution
from paper.serializers import ExecutionInput


def execute_message(user, message: Execute) -> Execution | Error:
    """The reply to one `execute`: the execution (new, or this key's earlier one) or why not."""
    given = ExecutionInput(
        data={
            "buy_exchange": message.buy_exchange,
            "sell_exchange": message.sell_exchange,
            "instrument": message.instrument,
            "size_base": str(message.size_base),
            "idempotency_key": message.idempotency_key,
        }
    )
    if not given.is_valid():
        reasons = "; ".join(f"{field}: {' '.join(map(str, problems))}" for field, problems in given.errors.items())
        return Error(reasons, message.idempotency_key)
    try:
        execution, filled = execute_pair(user, **given.validated_data)
    except ExecutionRefused as exc:
        return Error(f"nothing filled: {exc}", message.idempotency_key)
    return execution_message(execution, filled)


def connected(user) -> None:
    """A user's connection started: their active-user entry is in the cache from now on (read
    through, so a reconnect storm loads each user once)."""
    active_user(user)


def execution_message(execution: PaperExecution, filled: bool) -> Execution:
    return Execution(
        id=execution.id,
        idempotency_key=execution.idempotency_key,
        filled=filled,
        buy_exchange=execution.buy_exchange,
        sell_exchange=execution.sell_exchange,
        size_base=plain(execution.size_base),
        executed_ms=int(execution.executed_at.timestamp() * 1000),
        fills=[
            ExecutionFill(
                exchange=fill.exchange,
                instrument=fill.instrument,
                side=fill.side,
                price=plain(fill.price),
                size_base=plain(fill.size_base),
                notional=plain(fill.notional),
                fee=plain(fill.fee),
                currency=fill.currency,
                priced_from=fill.priced_from,
            )
            for fill in execution.fills.order_by("side")
        ],
    )
