"""Phemex frames in the shapes the docs give (phemex-docs.github.io), values made up."""

# USDⓈ-M (`orderbook_p`): real-valued strings, sizes in base coin, timestamp in ns.
USDT_SNAPSHOT = (
    '{"depth":1,"orderbook_p":{"asks":[["43250.2","0.718"]],"bids":[["43250.1","1.622"]]},'
    '"sequence":77668172,"symbol":"BTCUSDT","timestamp":1700000000201355264,"type":"snapshot"}'
)
# The best ask moves up (old level deleted with "0"); the bid side is unchanged, so absent.
USDT_INCREMENTAL = (
    '{"depth":1,"orderbook_p":{"asks":[["43250.4","2.5"],["43250.2","0"]],"bids":[]},'
    '"sequence":77668173,"symbol":"BTCUSDT","timestamp":1700000000301999999,"type":"incremental"}'
)
# A deeper ask arrives while the best one stays: the depth-1 window keeps only the best.
USDT_DEEPER_LEVEL = (
    '{"depth":1,"orderbook_p":{"asks":[["43260.0","9"]],"bids":[]},'
    '"sequence":77668174,"symbol":"BTCUSDT","timestamp":1700000000401000000,"type":"incremental"}'
)
# The only bid disappears: the book has an empty side.
USDT_BID_GONE = (
    '{"depth":1,"orderbook_p":{"asks":[],"bids":[["43250.1","0"]]},'
    '"sequence":77668175,"symbol":"BTCUSDT","timestamp":1700000000501000000,"type":"incremental"}'
)
USDT_EMPTY_SIDE_SNAPSHOT = (
    '{"depth":1,"orderbook_p":{"asks":[],"bids":[["43250.1","1"]]},'
    '"sequence":1,"symbol":"BTCUSDT","timestamp":1700000000201355264,"type":"snapshot"}'
)
UNKNOWN_SYMBOL = USDT_SNAPSHOT.replace("BTCUSDT", "NOPEUSDT")

# COIN-M (`book`): price × 10^4 integers, sizes in 1-USD contracts; the docs' sample has no timestamp.
COIN_M_SNAPSHOT = (
    '{"book":{"asks":[[432502000,19609]],"bids":[[432501000,18995]]},"depth":1,'
    '"sequence":1191904,"symbol":"BTCUSD","timestamp":1700000000123456789,"type":"snapshot"}'
)
COIN_M_SNAPSHOT_WITHOUT_TIMESTAMP = (
    '{"book":{"asks":[[86765000,19609]],"bids":[[86760000,18995]]},"depth":1,'
    '"sequence":1191904,"symbol":"BTCUSD","type":"snapshot"}'
)
COIN_M_INCREMENTAL = (
    '{"book":{"asks":[],"bids":[[432499000,4621],[432501000,0]]},"depth":1,'
    '"sequence":1191905,"symbol":"BTCUSD","timestamp":1700000000223456789,"type":"incremental"}'
)

SUBSCRIBE_ACK = '{"error":null,"id":1,"result":{"status":"success"}}'
PONG = '{"error":null,"id":0,"result":"pong"}'
ERROR = '{"error":{"code":6001,"message":"invalid argument"},"id":1,"result":null}'

PRODUCTS = """{"code":0,"msg":"","data":{
 "ratioScale":8,
 "currencies":[{"currency":"BTC","valueScale":8},{"currency":"USD","valueScale":4}],
 "products":[
  {"symbol":"BTCUSD","code":1,"type":"Perpetual","displaySymbol":"BTC / USD","indexSymbol":".BTC",
   "contractUnderlyingAssets":"USD","settleCurrency":"BTC","quoteCurrency":"USD","contractSize":1.0,
   "lotSize":1,"tickSize":0.5,"priceScale":4,"ratioScale":8,"pricePrecision":1,"status":"Listed",
   "fundingInterval":8},
  {"symbol":"cETHUSD","code":11,"type":"Perpetual","contractUnderlyingAssets":"USD","settleCurrency":"ETH",
   "quoteCurrency":"USD","contractSize":"1 USD","tickSize":0.05,"priceScale":4,"ratioScale":8,"status":"Listed",
   "fundingInterval":14400},
  {"symbol":"ETHUSD","code":2,"type":"Perpetual","contractUnderlyingAssets":"ETH","settleCurrency":"USD",
   "quoteCurrency":"USD","contractSize":0.005,"tickSize":0.05,"priceScale":4,"status":"Listed"},
  {"symbol":"XBTUSD8","code":9,"type":"Perpetual","settleCurrency":"BTC","quoteCurrency":"USD",
   "contractSize":1.0,"tickSize":0.5,"priceScale":8,"status":"Listed"},
  {"symbol":"LTCUSD","code":3,"type":"Perpetual","settleCurrency":"LTC","quoteCurrency":"USD",
   "contractSize":1.0,"tickSize":0.01,"priceScale":4,"status":"Delisted"},
  {"symbol":"sBTCUSDT","code":1001,"type":"Spot","quoteCurrency":"USDT","priceScale":8,"baseCurrency":"BTC",
   "status":"Listed"}
 ],
 "perpProductsV2":[
  {"symbol":"BTCUSDT","code":41541,"type":"PerpetualV2","displaySymbol":"BTC / USDT","contractUnderlyingAssets":"BTC",
   "settleCurrency":"USDT","quoteCurrency":"USDT","tickSize":"0.1","priceScale":0,"ratioScale":0,
   "pricePrecision":1,"baseCurrency":"BTC","status":"Listed","qtyStepSize":"0.001","fundingInterval":28800},
  {"symbol":"1000PEPEUSDT","code":41600,"type":"PerpetualV2","contractUnderlyingAssets":"1000PEPE",
   "settleCurrency":"USDT","quoteCurrency":"USDT","tickSize":"0.0000001","baseCurrency":"1000PEPE",
   "status":"Listed","fundingInterval":14400},
  {"symbol":"BTCUSDC","code":41700,"type":"PerpetualV2","settleCurrency":"USDC","quoteCurrency":"USDC",
   "tickSize":"0.1","baseCurrency":"BTC","status":"Listed"},
  {"symbol":"LUNAUSDT","code":41542,"type":"PerpetualV2","settleCurrency":"USDT","quoteCurrency":"USDT",
   "tickSize":"0.0001","baseCurrency":"LUNA","status":"Delisted"},
  {"symbol":"NEWUSDT","code":41543,"type":"PerpetualPilot","settleCurrency":"USDT","quoteCurrency":"USDT",
   "tickSize":"0.0001","baseCurrency":"NEW","status":"Listed"}
 ]
}}"""

# The documented 24-hour ticker (Public-Hedged-Perpetual-API, "Query 24 Hours Ticker"), BTCUSDT as printed.
TICKER_BTC = """{"error":null,"id":0,"result":{"closeRp":"20731","fundingRateRr":"0.0001","highRp":"20818.8",
 "indexPriceRp":"20737.09857143","lowRp":"20425.2","markPriceRp":"20737.788944","openInterestRv":"0",
 "openRp":"20709","predFundingRateRr":"0.0001","symbol":"BTCUSDT","timestamp":1667222412794076700,
 "turnoverRv":"139029311.7517","volumeRq":"6747.727"}}"""
TICKER_PEPE = (
    '{"error":null,"id":0,"result":{"closeRp":"0.0123","fundingRateRr":"-0.00015","symbol":"1000PEPEUSDT",'
    '"timestamp":1667222412794076700}}'
)
TICKER_UNKNOWN = TICKER_PEPE.replace("1000PEPEUSDT", "NOPEUSDT")
# The COIN-M ticker (contract API, "Query 24 hours ticker", GET /md/v1/ticker/24hr): the documented
# format with `fundingRateEr`, and the docs' response sample, which names the same figures unsuffixed.
TICKER_BTCUSD = """{"error":null,"id":0,"result":{"askEp":87430000,"bidEp":87425000,"fundingRateEr":10000,
 "highEp":92080000,"indexEp":87450676,"lastEp":87425000,"lowEp":87130000,"markEp":87453092,"openEp":90710000,
 "openInterest":7821141,"predFundingRateEr":7609,"symbol":"BTCUSD","timestamp":1583646442444219017,
 "turnoverEv":1399362834123,"volume":125287131}}"""
TICKER_CETHUSD_SAMPLE = """{"error":null,"id":0,"result":{"close":87425000,"fundingRate":-7609,"high":92080000,
 "indexPrice":87450676,"low":87130000,"markPrice":87453092,"open":90710000,"openInterest":7821141,
 "predFundingRate":7609,"symbol":"cETHUSD","timestamp":1583646442444219017,"turnover":1399362834123,
 "volume":125287131}}"""
TICKER_REFUSED = '{"error":{"code":6001,"message":"invalid argument"},"id":0,"result":null}'

# Depth 10 (`orderbook_p` / `book` with depth 10 on a depth connection), in the docs' sample shape.
DEPTH_SUBSCRIBE = '{"id":1,"method":"orderbook_p.subscribe","params":["BTCUSDT",false,10]}'
DEPTH_UNSUBSCRIBE = '{"id":1,"method":"orderbook_p.unsubscribe","params":[]}'
DEPTH_SNAPSHOT = (
    '{"depth":10,"orderbook_p":{"asks":[["43250.2","0.718"],["43250.9","0.524"],["43251.5","2"]],'
    '"bids":[["43250.1","1.622"],["43249.0","0.904"],["43248.7","1.074"]]},'
    '"sequence":77668172,"symbol":"BTCUSDT","timestamp":1700000000201355264,"type":"snapshot"}'
)
# The best ask is taken ("0"), a bid is resized and another arrives.
DEPTH_INCREMENTAL = (
    '{"depth":10,"orderbook_p":{"asks":[["43250.2","0"]],"bids":[["43249.0","0.5"],["43249.5","3"]]},'
    '"sequence":77668173,"symbol":"BTCUSDT","timestamp":1700000000301999999,"type":"incremental"}'
)
COIN_M_DEPTH_SNAPSHOT = (
    '{"book":{"asks":[[400005000,80001],[400010000,40001]],"bids":[[400000000,12000],[399990000,39999]]},'
    '"depth":10,"sequence":1191904,"symbol":"BTCUSD","timestamp":1700000000123456789,"type":"snapshot"}'
)
