from decimal import Decimal

from django.db import migrations

# Each exchange's default (lowest-volume) taker fee on perpetuals, in percent, as published
# on its fee page; admins on a better tier edit them in Django admin.
DEFAULT_TAKER_FEES_PCT = {
    "binance": ("Binance", "0.05"),
    "bybit": ("Bybit", "0.055"),
    "okx": ("OKX", "0.05"),
    "kucoin": ("KuCoin", "0.06"),
    "deribit": ("Deribit", "0.05"),
    "bitmex": ("BitMEX", "0.075"),
    "gateio": ("Gate.io", "0.05"),
    "mexc": ("MEXC", "0.02"),
    "bitget": ("Bitget", "0.06"),
    "phemex": ("Phemex", "0.06"),
    "coindcx": ("CoinDCX", "0.05"),
}


def seed(apps, schema_editor):
    Exchange = apps.get_model("feeds", "Exchange")
    for exchange_id, (name, fee) in DEFAULT_TAKER_FEES_PCT.items():
        Exchange.objects.get_or_create(id=exchange_id, defaults={"name": name, "taker_fee_pct": Decimal(fee)})


class Migration(migrations.Migration):
    dependencies = [("feeds", "0002_exchange")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
