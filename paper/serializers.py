from __future__ import annotations

from rest_framework import serializers

from arbitrage.queries import known_instruments
from feeds.symbols import UnknownExchange, UnknownSymbol, resolve_exchange, resolve_symbol
from paper.models import PaperEquityPoint, PaperExecution, PaperFill, PaperLimits, PaperWallet

MONEY = {"max_digits": 30, "decimal_places": 12}


class WalletSerializer(serializers.ModelSerializer):
    class Meta:
        model = PaperWallet
        fields = ["exchange", "currency", "balance"]


class WalletInput(serializers.Serializer):
    exchange = serializers.CharField(max_length=20)
    currency = serializers.RegexField(r"^[A-Z0-9]{2,16}$")
    balance = serializers.DecimalField(min_value=0, **MONEY)

    def validate_exchange(self, value: str) -> str:
        try:
            return resolve_exchange(value)
        except UnknownExchange as exc:
            raise serializers.ValidationError(str(exc)) from exc


class TicketInput(serializers.Serializer):
    """A pair: buy `instrument` on one exchange, sell it on the other."""

    buy_exchange = serializers.CharField(max_length=20)
    sell_exchange = serializers.CharField(max_length=20)
    instrument = serializers.CharField(max_length=64, help_text="Any form the market endpoints take")

    def validate_buy_exchange(self, value: str) -> str:
        return self._exchange(value)

    def validate_sell_exchange(self, value: str) -> str:
        return self._exchange(value)

    def validate_instrument(self, value: str) -> str:
        try:
            return resolve_symbol(value, known_instruments())
        except UnknownSymbol as exc:
            raise serializers.ValidationError(str(exc)) from exc

    @staticmethod
    def _exchange(value: str) -> str:
        try:
            return resolve_exchange(value)
        except UnknownExchange as exc:
            raise serializers.ValidationError(str(exc)) from exc


class ExecutionInput(TicketInput):
    size_base = serializers.DecimalField(min_value=0, **MONEY)
    idempotency_key = serializers.CharField(
        max_length=80, help_text="Chosen by the client; a retry with the same key never fills twice"
    )


class TicketSerializer(serializers.Serializer):
    buy_exchange = serializers.CharField()
    sell_exchange = serializers.CharField()
    instrument = serializers.CharField()
    size_base = serializers.DecimalField(
        allow_null=True,
        help_text="Base units, a whole number of both exchanges' order steps; null: none to suggest "
        "(the pair is not open, or no size pays both fees at your fees)",
        **MONEY,
    )
    size_from = serializers.ChoiceField(
        choices=["depth", "top_of_book"],
        help_text="depth: the opportunity's depth walk's most profitable size at your fees; "
        "top_of_book: depth unknown, the size at both tops of book",
    )
    idempotency_key = serializers.CharField(help_text="A fresh key for POST /api/paper/executions")


class FillSerializer(serializers.ModelSerializer):
    class Meta:
        model = PaperFill
        fields = ["exchange", "instrument", "side", "price", "size_base", "notional", "fee", "currency", "priced_from"]


class ExecutionSerializer(serializers.ModelSerializer):
    fills = FillSerializer(many=True, read_only=True)

    class Meta:
        model = PaperExecution
        fields = ["id", "idempotency_key", "buy_exchange", "sell_exchange", "size_base", "executed_at", "fills"]


class PositionSerializer(serializers.Serializer):
    exchange = serializers.CharField()
    instrument = serializers.CharField()
    size_base = serializers.DecimalField(help_text="Long > 0, short < 0", **MONEY)
    entry_price = serializers.DecimalField(**MONEY)
    mark_price = serializers.DecimalField(allow_null=True, help_text="The exchange's mid now", **MONEY)
    unrealised_pnl = serializers.DecimalField(allow_null=True, **MONEY)
    realised_pnl = serializers.DecimalField(help_text="Fees not included", **MONEY)
    funding = serializers.DecimalField(
        help_text="Funding booked to the wallet while held: earned > 0, paid < 0", **MONEY
    )
    currency = serializers.CharField()


class LimitsSerializer(serializers.ModelSerializer):
    max_pair_notional = serializers.DecimalField(min_value=0, allow_null=True, **MONEY)
    max_exchange_notional = serializers.DecimalField(min_value=0, allow_null=True, **MONEY)

    class Meta:
        model = PaperLimits
        fields = ["max_pair_notional", "max_exchange_notional"]


class EquityPointSerializer(serializers.ModelSerializer):
    equity = serializers.DecimalField(
        help_text="Balances plus open positions at their mark (margin back and unrealised PnL)", **MONEY
    )
    recorded_ms = serializers.SerializerMethodField()

    class Meta:
        model = PaperEquityPoint
        fields = ["currency", "equity", "recorded_at", "recorded_ms"]

    def get_recorded_ms(self, point: PaperEquityPoint) -> int:
        return int(point.recorded_at.timestamp() * 1000)
