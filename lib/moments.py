"""Moments typed by people (command arguments, form fields) as epoch milliseconds."""

from __future__ import annotations

import datetime as dt


def moment_ms(text: str, *, end: bool = False) -> int:
    """ISO date or date-time, UTC unless it says otherwise; a bare date as an end takes in that
    day. ValueError says what is expected."""
    try:
        if len(text) == 10:
            day = dt.date.fromisoformat(text) + dt.timedelta(days=1 if end else 0)
            at = dt.datetime.combine(day, dt.time(), tzinfo=dt.UTC)
        else:
            at = dt.datetime.fromisoformat(text)
            at = at if at.tzinfo else at.replace(tzinfo=dt.UTC)
    except ValueError as exc:
        raise ValueError(f"{text!r}: expected 2026-12-04 or 2026-12-04T06:00[:00][+00:00]") from exc
    return int(at.timestamp() * 1000)
