"""Bitget v2 frames in the shapes the docs and the live public socket give."""

BOOKS1 = (
    '{"action":"snapshot","arg":{"instType":"USDT-FUTURES","channel":"books1","instId":"BTCUSDT"},'
    '"data":[{"asks":[["43250.2","8.760"]],"bids":[["43250.1","2.710"]],"checksum":0,"seq":123456,'
    '"ts":"1700000000516"}],"ts":1700000000519}'
)
USDC_BOOKS1 = BOOKS1.replace("USDT-FUTURES", "USDC-FUTURES").replace("BTCUSDT", "BTCPERP")
# Coin-margined: sizes are still in BTC.
INVERSE_BOOKS1 = (
    '{"action":"snapshot","arg":{"instType":"COIN-FUTURES","channel":"books1","instId":"BTCUSD"},'
    '"data":[{"asks":[["50000.5","0.125"]],"bids":[["50000.0","1.5"]],"checksum":0,"seq":9,'
    '"ts":"1700000000600"}],"ts":1700000000601}'
)
EMPTY_BIDS = BOOKS1.replace('"bids":[["43250.1","2.710"]]', '"bids":[]')
EMPTY_ASKS = BOOKS1.replace('"asks":[["43250.2","8.760"]]', '"asks":[]')
UNKNOWN_SYMBOL = BOOKS1.replace("BTCUSDT", "NOPEUSDT")

SUBSCRIBE_ACK = '{"event":"subscribe","arg":{"instType":"USDT-FUTURES","channel":"books1","instId":"BTCUSDT"}}'
UNSUBSCRIBE_ACK = '{"event":"unsubscribe","arg":{"instType":"USDT-FUTURES","channel":"books1","instId":"BTCUSDT"}}'
PONG = "pong"
ERROR = (
    '{"event":"error","arg":{"instType":"USDT-FUTURES","channel":"books1","instId":"NOPEUSDT"},"code":30001,'
    '"msg":"instType:USDT-FUTURES,channel:books1,instId:NOPEUSDT doesn\'t exist","op":"subscribe"}'
)
# The code also comes as a string, and without `arg` when the request as a whole is refused.
ERROR_STRING_CODE = '{"event":"error","code":"30006","msg":"request too many"}'

CONTRACTS_USDT = """{"code":"00000","msg":"success","requestTime":1700000000000,"data":[
 {"symbol":"BTCUSDT","baseCoin":"BTC","quoteCoin":"USDT","supportMarginCoins":["USDT"],"minTradeNum":"0.0001",
  "priceEndStep":"1","volumePlace":"4","pricePlace":"1","sizeMultiplier":"0.0001","symbolType":"perpetual",
  "symbolStatus":"normal","offTime":"-1","limitOpenTime":"-1","deliveryTime":"","launchTime":"","isRwa":"NO"},
 {"symbol":"1000SATSUSDT","baseCoin":"1000SATS","quoteCoin":"USDT","supportMarginCoins":["USDT"],
  "priceEndStep":"5","pricePlace":"7","symbolType":"perpetual","symbolStatus":"normal","isRwa":"NO"},
 {"symbol":"BTCUSDT0327","baseCoin":"BTC","quoteCoin":"USDT","priceEndStep":"1","pricePlace":"1",
  "symbolType":"delivery","symbolStatus":"normal","deliveryTime":"1774598400000"},
 {"symbol":"NEWUSDT","baseCoin":"NEW","quoteCoin":"USDT","priceEndStep":"1","pricePlace":"4",
  "symbolType":"perpetual","symbolStatus":"listed","launchTime":"1900000000000"},
 {"symbol":"OLDUSDT","baseCoin":"OLD","quoteCoin":"USDT","priceEndStep":"1","pricePlace":"4",
  "symbolType":"perpetual","symbolStatus":"maintain"},
 {"symbol":"AAPLUSDT","baseCoin":"AAPL","quoteCoin":"USDT","priceEndStep":"1","pricePlace":"2",
  "symbolType":"perpetual","symbolStatus":"normal","isRwa":"YES"}
]}"""
CONTRACTS_USDC = """{"code":"00000","msg":"success","requestTime":1700000000000,"data":[
 {"symbol":"BTCPERP","baseCoin":"BTC","quoteCoin":"USDC","supportMarginCoins":["USDC"],"priceEndStep":"1",
  "pricePlace":"1","symbolType":"perpetual","symbolStatus":"normal"}
]}"""
CONTRACTS_COIN = """{"code":"00000","msg":"success","requestTime":1700000000000,"data":[
 {"symbol":"BTCUSD","baseCoin":"BTC","quoteCoin":"USD","supportMarginCoins":["BTC","ETH","USDC"],
  "priceEndStep":"1","pricePlace":"1","symbolType":"perpetual","symbolStatus":"normal"},
 {"symbol":"BTCUSDZ26","baseCoin":"BTC","quoteCoin":"USD","priceEndStep":"1","pricePlace":"1",
  "symbolType":"delivery","symbolStatus":"normal"}
]}"""
CONTRACTS_REFUSED = '{"code":"40020","msg":"Parameter productType error","requestTime":1700000000000,"data":null}'

# GET /api/v2/mix/market/current-fund-rate?productType=…: every contract of the product type, all strings.
FUND_RATE_USDT = """{"code":"00000","msg":"success","requestTime":1700000000123,"data":[
 {"symbol":"BTCUSDT","fundingRate":"0.0001","fundingRateInterval":"8","nextUpdate":"1700006400000",
  "minFundingRate":"-0.003","maxFundingRate":"0.003"},
 {"symbol":"NOPEUSDT","fundingRate":"0.0005","fundingRateInterval":"4","nextUpdate":"1700006400000",
  "minFundingRate":"-0.02","maxFundingRate":"0.02"}
]}"""
FUND_RATE_USDC = """{"code":"00000","msg":"success","requestTime":1700000000124,"data":[
 {"symbol":"BTCPERP","fundingRate":"-0.000025","fundingRateInterval":"4","nextUpdate":"1700006400000",
  "minFundingRate":"-0.003","maxFundingRate":"0.003"}
]}"""
FUND_RATE_COIN = """{"code":"00000","msg":"success","requestTime":1700000000125,"data":[
 {"symbol":"BTCUSD","fundingRate":"0.00005","fundingRateInterval":"1","nextUpdate":"1700003600000",
  "minFundingRate":"-0.003","maxFundingRate":"0.003"}
]}"""
FUND_RATE_REFUSED = '{"code":"40034","msg":"Parameter symbol does not exist","requestTime":1700000000000,"data":null}'

# books15 (docs: Depth Channel, "Push Data"): 15 levels a side whole in every push; three shown here.
BOOKS15 = (
    '{"action":"snapshot","arg":{"instType":"USDT-FUTURES","channel":"books15","instId":"BTCUSDT"},'
    '"data":[{"asks":[["43250.2","8.760"],["43250.5","0.400"],["43251.0","1.250"]],'
    '"bids":[["43250.1","2.710"],["43249.8","0.000"],["43249.0","3.5"]],"checksum":0,"seq":123457,'
    '"ts":"1700000000716"}],"ts":1700000000719}'
)
# Coin-margined: sizes in BTC, as books1's.
INVERSE_BOOKS15 = (
    '{"action":"snapshot","arg":{"instType":"COIN-FUTURES","channel":"books15","instId":"BTCUSD"},'
    '"data":[{"asks":[["50000.5","0.125"],["50001.0","2"]],"bids":[["50000.0","1.5"]],"checksum":0,"seq":10,'
    '"ts":"1700000000800"}],"ts":1700000000801}'
)
BOOKS15_SUBSCRIBE = (
    '{"op":"subscribe","args":[{"instType":"USDT-FUTURES","channel":"books15","instId":"BTCUSDT"},'
    '{"instType":"COIN-FUTURES","channel":"books15","instId":"BTCUSD"}]}'
)
BOOKS15_UNSUBSCRIBE = '{"op":"unsubscribe","args":[{"instType":"USDT-FUTURES","channel":"books15","instId":"BTCUSDT"}]}'
BOOKS15_UNSUBSCRIBE_ACK = (
    '{"event":"unsubscribe","arg":{"instType":"USDT-FUTURES","channel":"books15","instId":"BTCUSDT"}}'
)
