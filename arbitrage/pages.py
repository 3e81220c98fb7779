"""What the pages show, computed from what the cache holds. Pure: no Django."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal


@dataclass(frozen=True)
class Column:
    """An exchange's column of the price matrix."""

    exchange: str
    max_quote_age_ms: int  # older quotes are stale: greyed, and out of the best bid and ask


@dataclass
class Cell:
    exchange: str
    quote: dict | None = None
    age_ms: int | None = None
    stale: bool = False
    best_bid: bool = False
    best_ask: bool = False


@dataclass
class Row:
    instrument: str
    watched: bool
    cells: list[Cell] = field(default_factory=list)
    spread_pct: Decimal | None = None  # best bid vs best ask across exchanges, gross


def matrix_columns(exchanges: list[str], max_quote_age_ms: Mapping[str, int], default_max_age_ms: int) -> list[Column]:
    """One column per exchange, with the max quote age the page greys its quotes by."""
    return [Column(exchange, max_quote_age_ms.get(exchange, default_max_age_ms)) for exchange in exchanges]


def price_matrix(
    quotes: dict[str, dict[str, dict]],
    columns: list[Column],
    watched: set[str],
    now_ms: int,
) -> list[Row]:
    """Instruments × exchanges; each row's best bid and best ask among its fresh quotes marked;
    watched rows first. A quote's age is now − its exchange time (`ts_ms`)."""
    rows = []
    for instrument, by_exchange in quotes.items():
        row = Row(instrument, instrument in watched)
        fresh = []
        for column in columns:
            quote = by_exchange.get(column.exchange)
            cell = Cell(column.exchange, quote)
            if quote is not None:
                cell.age_ms = max(0, now_ms - quote["ts_ms"])
                cell.stale = cell.age_ms > column.max_quote_age_ms
                if not cell.stale:
                    fresh.append(cell)
            row.cells.append(cell)
        if fresh:
            best_bid = max(fresh, key=lambda c: Decimal(c.quote["bid"]))
            best_ask = min(fresh, key=lambda c: Decimal(c.quote["ask"]))
            best_bid.best_bid = best_ask.best_ask = True
            bid, ask = Decimal(best_bid.quote["bid"]), Decimal(best_ask.quote["ask"])
            if len(fresh) > 1 and ask:
                row.spread_pct = ((bid - ask) / ask * 100).quantize(Decimal("0.0001"))
        rows.append(row)
    rows.sort(key=lambda r: (not r.watched, r.instrument))
    return rows


def spread_chart_svg(points: list[tuple[int, float]], width: int = 720, height: int = 180) -> str:
    """The best net spread over time as an inline SVG polyline, zero line included."""
    if len(points) < 2:
        return ""
    pad = 4
    t0, t1 = points[0][0], points[-1][0]
    values = [value for _, value in points]
    low, high = min(min(values), 0.0), max(max(values), 0.0)
    span_t = max(t1 - t0, 1)
    span_v = max(high - low, 1e-9)

    def x(t: int) -> float:
        return pad + (t - t0) / span_t * (width - 2 * pad)

    def y(v: float) -> float:
        return pad + (high - v) / span_v * (height - 2 * pad)

    line = " ".join(f"{x(t):.1f},{y(v):.1f}" for t, v in points)
    zero = y(0.0)
    return (
        f'<svg class="spread-chart" viewBox="0 0 {width} {height}" role="img" '
        f'aria-label="Best net spread over time, from {low:.4f} % to {high:.4f} %">'
        f'<line class="zero" x1="{pad}" x2="{width - pad}" y1="{zero:.1f}" y2="{zero:.1f}"/>'
        f'<polyline points="{line}"/>'
        f'<text x="{pad}" y="12">{high:.4f} %</text><text x="{pad}" y="{height - 4}">{low:.4f} %</text>'
        "</svg>"
    )


# --- the Replay page ---------------------------------------------------------------------------
REPLAY_ROWS = 200  # the most profitable lives listed; the summary counts them all


def _at(at_ms: int) -> datetime:
    return datetime.fromtimestamp(at_ms / 1000, tz=UTC)


def replay_context(report, summary, rules: list) -> dict:
    """The Replay page's table and alerts from a ReplayReport and its summary (arbitrage/replay.py)."""
    best = sorted(report.opportunities, key=lambda o: o.peak_profit_quote, reverse=True)[:REPLAY_ROWS]
    rows = [{"o": o, "opened": _at(o.opened_ms), "duration_s": o.duration_ms / 1000} for o in best]
    fired = [
        {
            "rule": rule,
            "alerts": [{"alert": a, "at": _at(a.at_ms)} for a in report.alerts if a.rule_id == rule.spec.id],
        }
        for rule in rules
    ]
    return {"report": report, "summary": summary, "rows": rows, "fired": fired, "rules": rules}
