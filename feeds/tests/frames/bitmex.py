"""BitMEX realtime frames and instrument list in the shapes the docs and the live server give."""

WELCOME = (
    '{"info":"Welcome to the BitMEX Realtime API.","version":"2026-11-20T09:00:00.000Z",'
    '"timestamp":"2026-11-23T10:00:00.000Z","docs":"https://www.bitmex.com/app/wsAPI","limit":{"remaining":59}}'
)
SUBSCRIBE_ACK = (
    '{"success":true,"subscribe":"quote:XBTUSD","request":{"op":"subscribe","args":["quote:XBTUSD"]},"pool":"Primary"}'
)
UNSUBSCRIBE_ACK = '{"success":true,"unsubscribe":"quote:XBTUSD","request":{"op":"unsubscribe","args":["quote:XBTUSD"]}}'
PONG = "pong"
ERROR = '{"status":400,"error":"Unknown table: quotes","meta":{},"request":{"op":"subscribe","args":["quotes:XBTUSD"]}}'
PARTIAL = (
    '{"table":"quote","action":"partial","keys":[],'
    '"types":{"timestamp":"timestamp","symbol":"symbol","bidSize":"long","bidPrice":"float","askPrice":"float",'
    '"askSize":"long","pool":"symbol"},"foreignKeys":{"symbol":"instrument"},'
    '"attributes":{"timestamp":"sorted","symbol":"grouped"},"filter":{"symbol":"XBTUSD"},'
    '"data":[{"timestamp":"2026-11-23T10:00:00.123Z","symbol":"XBTUSD","bidSize":12000,"bidPrice":43250.5,'
    '"askPrice":43251,"askSize":3000,"pool":"Primary"}]}'
)
# Several rows in one insert, two of them for XBTUSDT: its last row is the one that counts.
INSERT = (
    '{"table":"quote","action":"insert","data":['
    '{"timestamp":"2026-11-23T10:00:01.000Z","symbol":"XBTUSDT","bidSize":1000000,"bidPrice":43250.1,'
    '"askPrice":43250.2,"askSize":2000000,"pool":"Primary"},'
    '{"timestamp":"2026-11-23T10:00:01.250Z","symbol":"ETHUSDT","bidSize":150000,"bidPrice":2300.01,'
    '"askPrice":2300.02,"askSize":25000,"pool":"Primary"},'
    '{"timestamp":"2026-11-23T10:00:01.500Z","symbol":"XBTUSDT","bidSize":3214000,"bidPrice":43250.3,'
    '"askPrice":43250.4,"askSize":1002000,"pool":"Primary"}]}'
)
# Since 2023 the feed sends no nulls: the bid side has no orders, so its keys are missing.
EMPTY_BID = (
    '{"table":"quote","action":"insert","data":[{"timestamp":"2026-11-23T10:00:02.000Z","symbol":"XBTUSD",'
    '"askPrice":43251,"askSize":3000,"pool":"Primary"}]}'
)
# A full quote followed, in the same frame, by the same symbol with an empty ask side.
LATER_EMPTY_ASK = (
    '{"table":"quote","action":"insert","data":['
    '{"timestamp":"2026-11-23T10:00:03.000Z","symbol":"XBTUSD","bidSize":100,"bidPrice":43250,'
    '"askPrice":43251,"askSize":200,"pool":"Primary"},'
    '{"timestamp":"2026-11-23T10:00:03.100Z","symbol":"XBTUSD","bidSize":100,"bidPrice":43250,"pool":"Primary"}]}'
)
# The generic table protocol: an update carries only the keys that changed.
UPDATE_ASK_ONLY = (
    '{"table":"quote","action":"update","data":[{"timestamp":"2026-11-23T10:00:04.000Z","symbol":"XBTUSD",'
    '"askPrice":43252.5,"askSize":500}]}'
)
# The generic table protocol again: a delete forgets the symbol's row.
DELETE = PARTIAL.replace('"action":"partial"', '"action":"delete"')
UNKNOWN_SYMBOL = PARTIAL.replace("XBTUSD", "NOPEUSD")

INSTRUMENT_ACTIVE = """[
 {"symbol":"XBTUSD","rootSymbol":"XBT","state":"Open","typ":"FFWCSX","expiry":null,"underlying":"XBT",
  "quoteCurrency":"USD","positionCurrency":"USD","settlCurrency":"XBt","lotSize":100,"tickSize":0.1,
  "multiplier":-100000000,"underlyingToPositionMultiplier":null,"underlyingToSettleMultiplier":-100000000,
  "quoteToSettleMultiplier":null,"isQuanto":false,"isInverse":true},
 {"symbol":"XBTUSDT","rootSymbol":"XBT","state":"Open","typ":"FFWCSX","expiry":null,"underlying":"XBT",
  "quoteCurrency":"USDT","positionCurrency":"XBT","settlCurrency":"USDt","lotSize":1000,"tickSize":0.5,
  "multiplier":1,"underlyingToPositionMultiplier":1000000,"underlyingToSettleMultiplier":null,
  "quoteToSettleMultiplier":1000000,"isQuanto":false,"isInverse":false},
 {"symbol":"ETHUSDT","rootSymbol":"ETH","state":"Open","typ":"FFWCSX","underlying":"ETH",
  "quoteCurrency":"USDT","settlCurrency":"USDt","lotSize":1000,"tickSize":0.01,"multiplier":1,
  "underlyingToPositionMultiplier":100000,"underlyingToSettleMultiplier":null,"isQuanto":false,"isInverse":false},
 {"symbol":"1000PEPEUSDT","rootSymbol":"1000PEPE","state":"Open","typ":"FFWCSX","underlying":"1000PEPE",
  "quoteCurrency":"USDT","settlCurrency":"USDt","lotSize":1000,"tickSize":1e-7,"multiplier":1,
  "underlyingToPositionMultiplier":1000,"isQuanto":false,"isInverse":false},
 {"symbol":"ETHUSD","rootSymbol":"ETH","state":"Open","typ":"FFWCSX","underlying":"ETH",
  "quoteCurrency":"USD","settlCurrency":"XBt","lotSize":1,"tickSize":0.05,"multiplier":100,
  "underlyingToPositionMultiplier":null,"underlyingToSettleMultiplier":null,"isQuanto":true,"isInverse":false},
 {"symbol":"XBTZ26","rootSymbol":"XBT","state":"Open","typ":"FFCCSX","expiry":"2026-12-25T12:00:00.000Z",
  "underlying":"XBT","quoteCurrency":"USD","settlCurrency":"XBt","lotSize":100,"tickSize":0.5,
  "multiplier":-100000000,"underlyingToSettleMultiplier":-100000000,"isQuanto":false,"isInverse":true},
 {"symbol":"EURUSDT","rootSymbol":"EUR","state":"Open","typ":"FFWCSF","underlying":"EUR",
  "quoteCurrency":"USDT","settlCurrency":"USDt","lotSize":1000,"tickSize":0.0001,"multiplier":1,
  "underlyingToPositionMultiplier":1000,"isQuanto":false,"isInverse":false},
 {"symbol":"XBT_USDT","rootSymbol":"XBT","state":"Open","typ":"IFXXXP","underlying":"XBT",
  "quoteCurrency":"USDT","settlCurrency":"USDt","lotSize":1000,"tickSize":0.5,"multiplier":1,
  "underlyingToPositionMultiplier":1000000,"isQuanto":false,"isInverse":false},
 {"symbol":"LUNAUSDT","rootSymbol":"LUNA","state":"Closed","typ":"FFWCSX","underlying":"LUNA",
  "quoteCurrency":"USDT","settlCurrency":"USDt","lotSize":1000,"tickSize":0.0001,"multiplier":1,
  "underlyingToPositionMultiplier":10000,"isQuanto":false,"isInverse":false}
]"""

# Funding fields of instrument/active (the rest of each row trimmed), as BitMEX's examples write them:
# the interval as a time since 2000-01-01, the next funding as `fundingTimestamp`.
INSTRUMENT_FUNDING = """[
 {"symbol":"XBTUSD","typ":"FFWCSX","state":"Open","fundingBaseSymbol":".XBTBON8H",
  "fundingQuoteSymbol":".USDBON8H","fundingPremiumSymbol":".XBTUSDPI8H","fundingTimestamp":"2023-11-15T04:00:00.000Z",
  "fundingInterval":"2000-01-01T08:00:00.000Z","fundingRate":0.0001,"indicativeFundingRate":0.000105,
  "timestamp":"2023-11-14T22:13:20.000Z"},
 {"symbol":"XBTUSDT","typ":"FFWCSX","state":"Open","fundingTimestamp":"2023-11-15T00:00:00.000Z",
  "fundingInterval":"2000-01-01T04:00:00.000Z","fundingRate":-0.000123,"indicativeFundingRate":-0.0001},
 {"symbol":"XBTZ26","typ":"FFCCSX","state":"Open","fundingTimestamp":null,"fundingInterval":null,
  "fundingRate":null,"timestamp":"2023-11-14T22:13:20.000Z"},
 {"symbol":"NOPEUSDT","typ":"FFWCSX","state":"Open","fundingTimestamp":"2023-11-15T04:00:00.000Z",
  "fundingInterval":"2000-01-01T08:00:00.000Z","fundingRate":0.0001}
]"""

# orderBook10, in the shape the realtime socket sends it: every row the symbol's whole top 10,
# [price, contracts] best first (XBTUSD in USD contracts, XBTUSDT 1,000,000 contracts per XBT).
DEPTH_SUBSCRIBE = '{"op":"subscribe","args":["orderBook10:XBTUSD"]}'
DEPTH_UNSUBSCRIBE = '{"op":"unsubscribe","args":["orderBook10:XBTUSD"]}'
DEPTH_SUBSCRIBE_ACK = (
    '{"success":true,"subscribe":"orderBook10:XBTUSD","request":{"op":"subscribe","args":["orderBook10:XBTUSD"]},'
    '"pool":"Primary"}'
)
DEPTH_UNSUBSCRIBE_ACK = (
    '{"success":true,"unsubscribe":"orderBook10:XBTUSD","request":{"op":"unsubscribe","args":["orderBook10:XBTUSD"]}}'
)
DEPTH_PARTIAL = (
    '{"table":"orderBook10","action":"partial","keys":["symbol"],"types":{"symbol":"symbol","bids":"",'
    '"asks":"","timestamp":"timestamp"},"foreignKeys":{"symbol":"instrument"},"attributes":{"symbol":"sorted"},'
    '"filter":{"symbol":"XBTUSD"},"data":[{"symbol":"XBTUSD","bids":[[40000,12000],[39999.5,39999.5]],'
    '"timestamp":"2026-11-23T10:00:00.123Z","asks":[[40000.5,80001],[40001,0]],"pool":"Primary"}]}'
)
DEPTH_UPDATE = (
    '{"table":"orderBook10","action":"update","data":[{"symbol":"XBTUSDT","bids":[[43250.1,1000000],'
    '[43250,250000]],"timestamp":"2026-11-23T10:00:01.500Z","asks":[[43250.3,3214000]],"pool":"Primary"}]}'
)
