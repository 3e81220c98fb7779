from decimal import Decimal

from django.db import migrations, models

# Each exchange's default (lowest-volume) maker fee on perpetuals, in percent, as published on
# its fee page: what a user's own fee table starts from. Admins on a better tier edit them.
DEFAULT_MAKER_FEES_PCT = {
    "binance": "0.02",
    "bybit": "0.02",
    "okx": "0.02",
    "kucoin": "0.02",
    "deribit": "0",
    "bitmex": "0.02",
    "gateio": "0.02",
    "mexc": "0",
    "bitget": "0.02",
    "phemex": "0.01",
    "coindcx": "0.02",
}


def seed(apps, schema_editor):
    Exchange = apps.get_model("feeds", "Exchange")
    for exchange_id, fee in DEFAULT_MAKER_FEES_PCT.items():
        Exchange.objects.filter(id=exchange_id).update(maker_fee_pct=Decimal(fee))


class Migration(migrations.Migration):
    dependencies = [("feeds", "0004_tracked_instruments")]
    operations = [
        migrations.AddField(
            model_name="exchange",
            name="maker_fee_pct",
            field=models.DecimalField(
                decimal_places=5,
                default=0,
                help_text="Maker fee in percent of notional: the default of users' own fee tables",
                max_digits=8,
            ),
        ),
        migrations.RunPython(seed, migrations.RunPython.noop),
    ]
