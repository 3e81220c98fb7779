from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from arbitrage.quote_cache import read_quotes
from feeds.exchanges import CONNECTORS


@login_required
def dashboard(request: HttpRequest) -> HttpResponse:
    """The price matrix, instruments by exchange, from the cache; /ws keeps it live."""
    quotes = read_quotes()
    exchanges = sorted({exchange for row in quotes.values() for exchange in row} | set(CONNECTORS))
    rows = [
        {"instrument": instrument, "cells": [(exchange, row.get(exchange)) for exchange in exchanges]}
        for instrument, row in quotes.items()
    ]
    return render(request, "arbitrage/dashboard.html", {"exchanges": exchanges, "rows": rows})
