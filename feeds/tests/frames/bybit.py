"""Bybit v5 linear and inverse frames in the shapes the docs and the live server give."""

SNAPSHOT = (
    '{"topic":"orderbook.1.BTCUSDT","ts":1700000000123,"type":"snapshot",'
    '"data":{"s":"BTCUSDT","b":[["43250.1","3.2"]],"a":[["43250.2","1.004"]],"u":123,"seq":456},'
    '"cts":1700000000120}'
)
# The USDC perpetual is named BTCPERP; its sizes are BTC as well.
USDC_SNAPSHOT = SNAPSHOT.replace("BTCUSDT", "BTCPERP")
# Without `cts` (older frames) the push time `ts` is the quote's time.
SNAPSHOT_WITHOUT_CTS = (
    '{"topic":"orderbook.1.ETHUSDT","ts":1700000000555,"type":"snapshot",'
    '"data":{"s":"ETHUSDT","b":[["2300.01","30.5"]],"a":[["2300.02","12"]],"u":9,"seq":10}}'
)
EMPTY_ASK_SNAPSHOT = (
    '{"topic":"orderbook.1.BTCUSDT","ts":1700000000200,"type":"snapshot",'
    '"data":{"s":"BTCUSDT","b":[["43250.1","3.2"]],"a":[],"u":124,"seq":457},"cts":1700000000199}'
)
# Older behaviour, still accepted: the new best ask arrives as an insert, the old one as a removal.
DELTA_NEW_BEST_ASK = (
    '{"topic":"orderbook.1.BTCUSDT","ts":1700000000300,"type":"delta",'
    '"data":{"s":"BTCUSDT","b":[],"a":[["43250.2","0"],["43250.3","0.5"]],"u":125,"seq":458},'
    '"cts":1700000000298}'
)
DELTA_BID_SIZE = (
    '{"topic":"orderbook.1.BTCUSDT","ts":1700000000400,"type":"delta",'
    '"data":{"s":"BTCUSDT","b":[["43250.1","7.5"]],"a":[],"u":126,"seq":459},"cts":1700000000398}'
)
DELTA_BID_REMOVED = (
    '{"topic":"orderbook.1.BTCUSDT","ts":1700000000500,"type":"delta",'
    '"data":{"s":"BTCUSDT","b":[["43250.1","0"]],"a":[],"u":127,"seq":460},"cts":1700000000498}'
)
DELTA_BID_RETURNS = (
    '{"topic":"orderbook.1.BTCUSDT","ts":1700000000600,"type":"delta",'
    '"data":{"s":"BTCUSDT","b":[["43249.9","2"]],"a":[],"u":128,"seq":461},"cts":1700000000598}'
)
DELTA_ASK_RETURNS = (
    '{"topic":"orderbook.1.BTCUSDT","ts":1700000000700,"type":"delta",'
    '"data":{"s":"BTCUSDT","b":[],"a":[["43250.3","0.5"]],"u":129,"seq":462},"cts":1700000000698}'
)
UNKNOWN_SYMBOL = SNAPSHOT.replace("BTCUSDT", "NOPEUSDT")

# orderbook.50 (depth): the docs' snapshot then delta, cut to three levels a side.
DEPTH_SNAPSHOT = (
    '{"topic":"orderbook.50.BTCUSDT","type":"snapshot","ts":1671179923028,'
    '"data":{"s":"BTCUSDT","b":[["17440.00","40.833"],["17439.50","0.513"],["17416.00","6.156"]],'
    '"a":[["17440.50","78.815"],["17441.00","8.858"],["17464.50","4.901"]],"u":13079592,"seq":22520573250},'
    '"cts":1671179923020}'
)
DEPTH_DELTA = (
    '{"topic":"orderbook.50.BTCUSDT","type":"delta","ts":1671179923046,'
    '"data":{"s":"BTCUSDT","b":[["17439.50","0"]],"a":[["17440.50","78.857"],["17442.00","1.510"]],'
    '"u":13079593,"seq":22520573262},"cts":1671179923040}'
)
DEPTH_DELTA_OTHER_SYMBOL = DEPTH_DELTA.replace("BTCUSDT", "ETHUSDT")

SUBSCRIBE_ACK = '{"success":true,"ret_msg":"","conn_id":"d8d6a2b2-1e4c-4c2a","req_id":"1","op":"subscribe"}'
UNSUBSCRIBE_ACK = '{"success":true,"ret_msg":"","conn_id":"d8d6a2b2-1e4c-4c2a","req_id":"2","op":"unsubscribe"}'
PONG = '{"success":true,"ret_msg":"pong","conn_id":"d8d6a2b2-1e4c-4c2a","req_id":"100001","op":"ping"}'
PRIVATE_STYLE_PONG = '{"req_id":"test","op":"pong","args":["1675418560633"],"conn_id":"cfcb4ocsvfriu23r3er0-1b"}'
SUBSCRIBE_REFUSED = (
    '{"success":false,"ret_msg":"error:handler not found,topic:orderbook.1.NOPEUSDT",'
    '"conn_id":"d8d6a2b2-1e4c-4c2a","req_id":"1","op":"subscribe"}'
)

INSTRUMENTS_PAGE = """{"retCode":0,"retMsg":"OK","result":{"category":"linear","nextPageCursor":"","list":[
 {"symbol":"BTCUSDT","contractType":"LinearPerpetual","status":"Trading","baseCoin":"BTC","quoteCoin":"USDT",
  "symbolType":"","launchTime":"1584230400000","deliveryTime":"0","deliveryFeeRate":"","priceScale":"2",
  "priceFilter":{"minPrice":"0.10","maxPrice":"1999999.80","tickSize":"0.10"},
  "lotSizeFilter":{"maxOrderQty":"1190.000","minOrderQty":"0.001","qtyStep":"0.001"},
  "settleCoin":"USDT","copyTrading":"both"},
 {"symbol":"BTCPERP","contractType":"LinearPerpetual","status":"Trading","baseCoin":"BTC","quoteCoin":"USDC",
  "symbolType":"","deliveryTime":"0","priceFilter":{"tickSize":"0.5"},"lotSizeFilter":{"qtyStep":"0.001"},
  "settleCoin":"USDC"},
 {"symbol":"1000PEPEUSDT","contractType":"LinearPerpetual","status":"Trading","baseCoin":"1000PEPE",
  "quoteCoin":"USDT","symbolType":"","deliveryTime":"0","priceFilter":{"tickSize":"0.0000001"},
  "lotSizeFilter":{"qtyStep":"100"},"settleCoin":"USDT"},
 {"symbol":"SHIB1000USDT","contractType":"LinearPerpetual","status":"Trading","baseCoin":"SHIB1000",
  "quoteCoin":"USDT","symbolType":"innovation","deliveryTime":"0","priceFilter":{"tickSize":"0.000001"},
  "lotSizeFilter":{"qtyStep":"10"},"settleCoin":"USDT"},
 {"symbol":"BTCUSDT-26DEC25","contractType":"LinearFutures","status":"Trading","baseCoin":"BTC",
  "quoteCoin":"USDT","symbolType":"","deliveryTime":"1766736000000","priceFilter":{"tickSize":"0.50"},
  "lotSizeFilter":{"qtyStep":"0.001"},"settleCoin":"USDT"},
 {"symbol":"NEWUSDT","contractType":"LinearPerpetual","status":"PreLaunch","baseCoin":"NEW","quoteCoin":"USDT",
  "symbolType":"","deliveryTime":"0","priceFilter":{"tickSize":"0.0001"},"lotSizeFilter":{"qtyStep":"1"},
  "settleCoin":"USDT"},
 {"symbol":"TSLAUSDT","contractType":"LinearPerpetual","status":"Trading","baseCoin":"TSLA","quoteCoin":"USDT",
  "symbolType":"stock","deliveryTime":"0","priceFilter":{"tickSize":"0.01"},"lotSizeFilter":{"qtyStep":"0.01"},
  "settleCoin":"USDT"},
 {"symbol":"XAUTUSDT","contractType":"LinearPerpetual","status":"Trading","baseCoin":"XAUT","quoteCoin":"USDT",
  "symbolType":"commodity","deliveryTime":"0","priceFilter":{"tickSize":"0.01"},"lotSizeFilter":{"qtyStep":"0.01"},
  "settleCoin":"USDT"}
]},"retExtInfo":{},"time":1700000000000}"""

# A first page with a cursor to the next: each page parses on its own.
FIRST_PAGE_OF_TWO = """{"retCode":0,"retMsg":"OK","result":{"category":"linear",
 "nextPageCursor":"first%3DBTCUSDT%26last%3DETHUSDT","list":[
 {"symbol":"ETHUSDT","contractType":"LinearPerpetual","status":"Trading","baseCoin":"ETH","quoteCoin":"USDT",
  "symbolType":"","priceFilter":{"tickSize":"0.01"},"settleCoin":"USDT"}
]},"retExtInfo":{},"time":1700000000000}"""

# GET /v5/market/instruments-info?category=inverse: inverse perpetuals (sizes in USD contracts,
# `qtyStep` "1"), and a dated inverse future that is left out.
INVERSE_PAGE = """{"retCode":0,"retMsg":"OK","result":{"category":"inverse","nextPageCursor":"","list":[
 {"symbol":"BTCUSD","contractType":"InversePerpetual","status":"Trading","baseCoin":"BTC","quoteCoin":"USD",
  "launchTime":"1585526400000","deliveryTime":"0","deliveryFeeRate":"","priceScale":"2",
  "leverageFilter":{"minLeverage":"1","maxLeverage":"100.00","leverageStep":"0.01"},
  "priceFilter":{"minPrice":"0.50","maxPrice":"999999.00","tickSize":"0.50"},
  "lotSizeFilter":{"maxOrderQty":"1000000","minOrderQty":"1","qtyStep":"1","postOnlyMaxOrderQty":"1000000"},
  "unifiedMarginTrade":false,"fundingInterval":480,"settleCoin":"BTC","copyTrading":"none",
  "upperFundingRate":"0.00375","lowerFundingRate":"-0.00375","isPreListing":false,"preListingInfo":null,
  "symbolType":""},
 {"symbol":"ETHUSD","contractType":"InversePerpetual","status":"Trading","baseCoin":"ETH","quoteCoin":"USD",
  "priceFilter":{"tickSize":"0.05"},"lotSizeFilter":{"minOrderQty":"1","qtyStep":"1"},"settleCoin":"ETH",
  "symbolType":""},
 {"symbol":"BTCUSDH26","contractType":"InverseFutures","status":"Trading","baseCoin":"BTC","quoteCoin":"USD",
  "deliveryTime":"1774598400000","priceFilter":{"tickSize":"0.50"},"lotSizeFilter":{"minOrderQty":"1",
  "qtyStep":"1"},"settleCoin":"BTC","symbolType":""}
]},"retExtInfo":{},"time":1700000000000}"""

# On wss://stream.bybit.com/v5/public/inverse: the same shape as linear, sizes in USD contracts.
INVERSE_SNAPSHOT = (
    '{"topic":"orderbook.1.BTCUSD","ts":1700000000123,"type":"snapshot","data":{"s":"BTCUSD",'
    '"b":[["40000.00","80000"]],"a":[["40000.50","120001"]],"u":2081345,"seq":67893210},"cts":1700000000119}'
)

# GET /v5/market/tickers?category=inverse: the dated future has no funding.
INVERSE_TICKERS = """{"retCode":0,"retMsg":"OK","result":{"category":"inverse","list":[
 {"symbol":"BTCUSD","lastPrice":"40000.5","markPrice":"40000.2","fundingRate":"-0.000052",
  "nextFundingTime":"1700006400000","fundingIntervalHour":"8","fundingCap":"0.00375"},
 {"symbol":"BTCUSDH26","lastPrice":"41000","markPrice":"41001","fundingRate":"","nextFundingTime":"0",
  "fundingIntervalHour":""}
]},"retExtInfo":{},"time":1700000000456}"""

INSTRUMENTS_ERROR = '{"retCode":10001,"retMsg":"Illegal category","result":{},"retExtInfo":{},"time":1700000000000}'

# GET /v5/market/tickers?category=linear (fields trimmed to the ones that matter, as documented).
TICKERS = """{"retCode":0,"retMsg":"OK","result":{"category":"linear","list":[
 {"symbol":"BTCUSDT","lastPrice":"43250.1","markPrice":"43251.0","fundingRate":"0.0001",
  "nextFundingTime":"1700006400000","fundingIntervalHour":"8","fundingCap":"0.005","bid1Price":"43250.1"},
 {"symbol":"BTCPERP","lastPrice":"43250.3","markPrice":"43251.0","fundingRate":"-0.00002",
  "nextFundingTime":"1700003600000","fundingIntervalHour":"1","fundingCap":"0.005"},
 {"symbol":"BTCUSDT-26DEC25","lastPrice":"44000","markPrice":"44001","fundingRate":"","nextFundingTime":"0",
  "fundingIntervalHour":""},
 {"symbol":"NOPEUSDT","fundingRate":"0.0001","nextFundingTime":"1700006400000","fundingIntervalHour":"4"}
]},"retExtInfo":{},"time":1700000000321}"""
TICKERS_ERROR = '{"retCode":10001,"retMsg":"Illegal category","result":{},"retExtInfo":{},"time":1700000000321}'

# orderbook.50 on the inverse socket: levels in USD contracts.
INVERSE_DEPTH_SNAPSHOT = (
    '{"topic":"orderbook.50.BTCUSD","ts":1700000000223,"type":"snapshot","data":{"s":"BTCUSD",'
    '"b":[["40000.00","80000"],["39999.50","39999"]],"a":[["40000.50","120001"]],"u":1,"seq":67893300},'
    '"cts":1700000000220}'
)
