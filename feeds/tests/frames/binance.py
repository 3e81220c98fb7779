"""Binance USDⓈ-M frames in the shapes the docs and the live server give."""

BOOK_TICKER = (
    '{"e":"bookTicker","u":400900217,"s":"BTCUSDT","b":"43250.10","B":"3.214",'
    '"a":"43250.20","A":"1.002","T":1700000000123,"E":1700000000125}'
)
COMBINED_STREAM = '{"stream":"ethusdt@bookTicker","data":' + BOOK_TICKER.replace("BTCUSDT", "ETHUSDT") + "}"
SUBSCRIBE_ACK = '{"result":null,"id":1}'
LIST_SUBSCRIPTIONS = '{"result":["btcusdt@bookTicker"],"id":2}'
ERROR = '{"error":{"code":2,"msg":"Invalid request: unknown variant `SUBSCRIB`"},"id":1}'
UNKNOWN_SYMBOL = BOOK_TICKER.replace("BTCUSDT", "NOPEUSDT")

EXCHANGE_INFO = """{"timezone":"UTC","serverTime":1700000000000,"symbols":[
 {"symbol":"BTCUSDT","pair":"BTCUSDT","contractType":"PERPETUAL","status":"TRADING","baseAsset":"BTC",
  "quoteAsset":"USDT","marginAsset":"USDT","pricePrecision":2,
  "filters":[{"filterType":"PRICE_FILTER","tickSize":"0.10","minPrice":"556.80","maxPrice":"4529764"},
             {"filterType":"LOT_SIZE","stepSize":"0.001","minQty":"0.001","maxQty":"1000"}]},
 {"symbol":"1000PEPEUSDT","pair":"1000PEPEUSDT","contractType":"PERPETUAL","status":"TRADING",
  "baseAsset":"1000PEPE","quoteAsset":"USDT","marginAsset":"USDT",
  "filters":[{"filterType":"PRICE_FILTER","tickSize":"0.0000001"}]},
 {"symbol":"BTCUSDC","pair":"BTCUSDC","contractType":"PERPETUAL","status":"TRADING","baseAsset":"BTC",
  "quoteAsset":"USDC","marginAsset":"USDC","filters":[{"filterType":"PRICE_FILTER","tickSize":"0.1"}]},
 {"symbol":"BTCUSDT_261225","pair":"BTCUSDT","contractType":"CURRENT_QUARTER","status":"TRADING",
  "baseAsset":"BTC","quoteAsset":"USDT","marginAsset":"USDT","filters":[]},
 {"symbol":"TSLAUSDT","pair":"TSLAUSDT","contractType":"TRADIFI_PERPETUAL","underlyingType":"EQUITY",
  "status":"TRADING","baseAsset":"TSLA","quoteAsset":"USDT","marginAsset":"USDT","filters":[]},
 {"symbol":"NEWUSDT","pair":"NEWUSDT","contractType":"PERPETUAL","status":"PENDING_TRADING","baseAsset":"NEW",
  "quoteAsset":"USDT","marginAsset":"USDT","filters":[]}
]}"""

# GET /fapi/v1/premiumIndex (no symbol) and GET /fapi/v1/fundingInfo, as the docs show them.
PREMIUM_INDEX = """[
 {"symbol":"BTCUSDT","markPrice":"11793.63104562","indexPrice":"11781.80495970",
  "estimatedSettlePrice":"11781.16138815","lastFundingRate":"0.00038246","interestRate":"0.00010000",
  "nextFundingTime":1597392000000,"time":1597370495002},
 {"symbol":"1000PEPEUSDT","markPrice":"0.0120","indexPrice":"0.0119","estimatedSettlePrice":"0.0119",
  "lastFundingRate":"-0.00012500","interestRate":"0.00010000","nextFundingTime":1597384800000,"time":1597370495002},
 {"symbol":"BTCUSDT_261225","markPrice":"12077.01","indexPrice":"11781.8","estimatedSettlePrice":"11781.1",
  "lastFundingRate":"","interestRate":"","nextFundingTime":0,"time":1597370495002},
 {"symbol":"NOPEUSDT","markPrice":"1","indexPrice":"1","estimatedSettlePrice":"1",
  "lastFundingRate":"0.0001","interestRate":"0.0001","nextFundingTime":1597392000000,"time":1597370495002}
]"""
FUNDING_INFO = """[
 {"symbol":"1000PEPEUSDT","adjustedFundingRateCap":"0.02500000","adjustedFundingRateFloor":"-0.02500000",
  "fundingIntervalHours":4,"disclaimer":false}
]"""

# <symbol>@depth10@100ms (Partial Book Depth Streams): the top levels whole in every frame; the
# docs' example shows 5 levels of a depth5 stream, these keep its shape.
DEPTH = (
    '{"e":"depthUpdate","E":1571889248277,"T":1571889248276,"s":"BTCUSDT","U":390497796,"u":390497878,'
    '"pu":390497794,"b":[["7403.89","0.002"],["7403.90","3.906"],["7404.00","1.428"]],'
    '"a":[["7405.96","3.340"],["7406.63","4.525"],["7407.08","0.000"],["7407.15","4.800"]]}'
)
DEPTH_SUBSCRIBE = '{"method":"SUBSCRIBE","params":["btcusdt@depth10@100ms"],"id":1}'

# COIN-M (dapi.binance.com / dstream.binance.com), in the shapes of the COIN-M docs.
COIN_M_EXCHANGE_INFO = """{"timezone":"UTC","serverTime":1700000000000,"symbols":[
 {"symbol":"BTCUSD_PERP","pair":"BTCUSD","contractType":"PERPETUAL","deliveryDate":4133404800000,
  "onboardDate":1597042800000,"contractStatus":"TRADING","contractSize":100,"marginAsset":"BTC",
  "maintMarginPercent":"2.5000","requiredMarginPercent":"5.0000","baseAsset":"BTC","quoteAsset":"USD",
  "pricePrecision":1,"quantityPrecision":0,"baseAssetPrecision":8,"quotePrecision":8,"equalQtyPrecision":4,
  "triggerProtect":"0.0500","underlyingType":"COIN","underlyingSubType":[],
  "filters":[{"minPrice":"1000","maxPrice":"4520958","filterType":"PRICE_FILTER","tickSize":"0.1"},
             {"stepSize":"1","filterType":"LOT_SIZE","maxQty":"1000000","minQty":"1"}]},
 {"symbol":"ETHUSD_PERP","pair":"ETHUSD","contractType":"PERPETUAL","contractStatus":"TRADING","contractSize":10,
  "marginAsset":"ETH","baseAsset":"ETH","quoteAsset":"USD",
  "filters":[{"filterType":"PRICE_FILTER","tickSize":"0.01"},{"filterType":"LOT_SIZE","stepSize":"1","minQty":"1"}]},
 {"symbol":"BTCUSD_200925","pair":"BTCUSD","contractType":"CURRENT_QUARTER","contractStatus":"TRADING",
  "contractSize":100,"marginAsset":"BTC","baseAsset":"BTC","quoteAsset":"USD","filters":[]},
 {"symbol":"LUNAUSD_PERP","pair":"LUNAUSD","contractType":"PERPETUAL","contractStatus":"SETTLING",
  "contractSize":10,"marginAsset":"LUNA","baseAsset":"LUNA","quoteAsset":"USD","filters":[]}
]}"""
# Quantities in contracts: 1,250 contracts of 100 USD at 43,250.1 USD.
COIN_M_BOOK_TICKER = (
    '{"e":"bookTicker","u":17242169,"s":"BTCUSD_PERP","ps":"BTCUSD","b":"43250.1","B":"1250",'
    '"a":"43250.2","A":"40","T":1700000000123,"E":1700000000125}'
)
COIN_M_DEPTH = (
    '{"e":"depthUpdate","E":1700000000125,"T":1700000000123,"s":"ETHUSD_PERP","ps":"ETHUSD","U":1,"u":2,"pu":0,'
    '"b":[["2300.00","230"],["2299.99","23"]],"a":[["2300.01","46"]]}'
)
COIN_M_PREMIUM_INDEX = """[
 {"symbol":"BTCUSD_PERP","pair":"BTCUSD","markPrice":"11029.69574559","indexPrice":"10979.14437500",
  "estimatedSettlePrice":"10981.74168236","lastFundingRate":"0.00071003","interestRate":"0.00010000",
  "nextFundingTime":1596096000000,"time":1596094042000},
 {"symbol":"BTCUSD_200925","pair":"BTCUSD","markPrice":"10929.69","indexPrice":"10979.14","estimatedSettlePrice":"10981.74",
  "lastFundingRate":"","interestRate":"","nextFundingTime":0,"time":1596094042000},
 {"symbol":"ETHUSD_PERP","pair":"ETHUSD","markPrice":"300.1","indexPrice":"300","estimatedSettlePrice":"300",
  "lastFundingRate":"-0.00005000","interestRate":"0.00010000","nextFundingTime":1596081600000,"time":1596094042000}
]"""
COIN_M_FUNDING_INFO = """[{"symbol":"ETHUSD_PERP","adjustedFundingRateCap":"0.02000000",
 "adjustedFundingRateFloor":"-0.02000000","fundingIntervalHours":4,"disclaimer":false}]"""
