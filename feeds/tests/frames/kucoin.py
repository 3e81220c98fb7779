"""KuCoin Futures classic-socket frames and REST bodies in the shapes KuCoin's docs give."""

TICKER_V2 = (
    '{"topic":"/contractMarket/tickerV2:XBTUSDTM","type":"message","subject":"tickerV2","sn":1713516609293,'
    '"data":{"symbol":"XBTUSDTM","sequence":1713516609293,"bestBidSize":5044,"bestBidPrice":"86454.5",'
    '"bestAskPrice":"86454.6","bestAskSize":73,"ts":1740641976241123456}}'
)
# The inverse contract: 1 USD per lot.
TICKER_V2_INVERSE = (
    '{"topic":"/contractMarket/tickerV2:XBTUSDM","type":"message","subject":"tickerV2","sn":1001,'
    '"data":{"symbol":"XBTUSDM","sequence":1001,"bestBidSize":86000,"bestBidPrice":"86000.0",'
    '"bestAskPrice":"86000.5","bestAskSize":43000,"ts":1740641976241999999}}'
)
# An older copy of the docs shows prices as JSON numbers.
TICKER_V2_NUMERIC_PRICES = (
    '{"subject":"tickerV2","topic":"/contractMarket/tickerV2:XBTUSDM","type":"message","data":{"symbol":"XBTUSDM",'
    '"bestBidSize":795,"bestBidPrice":3200.0,"bestAskPrice":3600.0,"bestAskSize":284,"ts":1553846081210004941}}'
)
EMPTY_BID = TICKER_V2.replace('"bestBidSize":5044,"bestBidPrice":"86454.5"', '"bestBidSize":0,"bestBidPrice":"0"')
NULL_ASK = TICKER_V2.replace('"bestAskPrice":"86454.6"', '"bestAskPrice":null')
UNKNOWN_SYMBOL = TICKER_V2.replace("XBTUSDTM", "NOPEUSDTM")
OTHER_SUBJECT = (
    '{"topic":"/contractMarket/execution:XBTUSDTM","type":"message","subject":"match","sn":1,'
    '"data":{"symbol":"XBTUSDTM","sequence":1,"side":"buy","size":2,"price":"90503.9","ts":1731898619520000000}}'
)

WELCOME = '{"id":"hQvf8jkno","type":"welcome"}'
ACK = '{"id":"1","type":"ack"}'
PONG = '{"id":"1545910590801","type":"pong","timestamp":1700000000123456}'
ERROR_TOPIC = '{"id":"1","type":"error","code":404,"data":"topic does not exist"}'
ERROR_JSON = '{"id":"hQvf8jkno","type":"error","code":400,"data":"json format error"}'

BULLET_PUBLIC = """{"code":"200000","data":{
 "token":"2neAiuYvAU61ZDXANAGAsiL4-iAExhsBXZxftpOeh_55i3Ysy2q2LEsEWU64mdzUOPusi34M_wGoSf7iNyEWJ4aBZXpWhrmY9jKtqkdWoFa75w3istPvPtiYB9J6i9GjsxUuhPw3BlrzazF6ghq4L_u0MhKxG3x8TeN4aVbNiYo=.mvnekBb8DJegZIgYLs2FBQ==",
 "instanceServers":[{"endpoint":"wss://ws-api-futures.kucoin.com/","encrypt":true,"protocol":"websocket",
  "pingInterval":18000,"pingTimeout":10000}]}}"""
BULLET_ERROR = '{"code":"429000","msg":"Too Many Requests"}'

CONTRACTS_ACTIVE = """{"code":"200000","data":[
 {"symbol":"XBTUSDTM","rootSymbol":"USDT","type":"FFWCSX","firstOpenDate":1585555200000,"expireDate":null,
  "settleDate":null,"baseCurrency":"XBT","quoteCurrency":"USDT","settleCurrency":"USDT","maxOrderQty":1000000,
  "maxPrice":1000000.0,"lotSize":1,"tickSize":0.1,"indexPriceTickSize":0.01,"multiplier":0.001,
  "isDeleverage":true,"isQuanto":true,"isInverse":false,"markMethod":"FairPrice","status":"Open"},
 {"symbol":"XBTUSDCM","rootSymbol":"USDC","type":"FFWCSX","baseCurrency":"XBT","quoteCurrency":"USDC",
  "settleCurrency":"USDC","lotSize":1,"tickSize":0.1,"multiplier":0.001,"isQuanto":false,"isInverse":false,
  "status":"Open"},
 {"symbol":"XBTUSDM","rootSymbol":"XBT","type":"FFWCSX","baseCurrency":"XBT","quoteCurrency":"USD",
  "settleCurrency":"XBT","lotSize":1,"tickSize":0.5,"multiplier":-1,"isQuanto":false,"isInverse":true,
  "status":"Open"},
 {"symbol":"1000PEPEUSDTM","rootSymbol":"USDT","type":"FFWCSX","baseCurrency":"1000PEPE","quoteCurrency":"USDT",
  "settleCurrency":"USDT","lotSize":1,"tickSize":1E-7,"multiplier":10,"isQuanto":false,"isInverse":false,
  "status":"Open"},
 {"symbol":"XBTMH26","rootSymbol":"XBT","type":"FFICSX","expireDate":1774598400000,"baseCurrency":"XBT",
  "quoteCurrency":"USD","settleCurrency":"XBT","lotSize":1,"tickSize":1.0,"multiplier":-1,"isInverse":true,
  "status":"Open"},
 {"symbol":"NEWUSDTM","rootSymbol":"USDT","type":"FFWCSX","baseCurrency":"NEW","quoteCurrency":"USDT",
  "settleCurrency":"USDT","lotSize":1,"tickSize":0.0001,"multiplier":1,"isInverse":false,"status":"Paused"}
]}"""
CONTRACTS_ERROR = '{"code":"400100","msg":"Parameter error"}'

# Funding fields of contracts/active (the rest of each row trimmed): the documented XBTUSDTM example
# (an older copy: `nextFundingRateTime` only, the ms left), a newer row with the next funding's time and
# a current interval of 4 h, a dated future (no funding) and a contract nobody watches.
CONTRACTS_WITH_FUNDING = """{"code":"200000","data":[
 {"symbol":"XBTUSDTM","type":"FFWCSX","status":"Open","fundingFeeRate":0.000297,
  "predictedFundingFeeRate":0.000327,"fundingRateGranularity":28800000,"nextFundingRateTime":20022985},
 {"symbol":"XBTUSDM","type":"FFWCSX","status":"Open","fundingFeeRate":-0.0001,"fundingRateGranularity":28800000,
  "currentFundingRateGranularity":14400000,"effectiveFundingRateCycleStartTime":1700000000000,
  "nextFundingRateTime":1200000,"nextFundingRateDateTime":1700006400000},
 {"symbol":"XBTMH26","type":"FFICSX","status":"Open","fundingFeeRate":null,"fundingRateGranularity":null,
  "nextFundingRateTime":null},
 {"symbol":"NOPEUSDTM","type":"FFWCSX","status":"Open","fundingFeeRate":0.0001,"fundingRateGranularity":28800000,
  "nextFundingRateDateTime":1700006400000}
]}"""

# Orderbook - Level50 (docs' example, trimmed to three levels a side): [price, integer lots], no symbol.
LEVEL2_DEPTH50 = (
    '{"topic":"/contractMarket/level2Depth50:XBTUSDTM","type":"message","subject":"level2","sn":1731680249700,'
    '"data":{"bids":[["89778.6",1534],["89778.2",54],["89777.5",0]],"sequence":1709294490099,'
    '"timestamp":1731680249700,"ts":1731680249701,"asks":[["89778.7",854],["89779.2",4],["89780",120]]}}'
)
# The inverse contract: 1 USD a lot.
LEVEL2_DEPTH50_INVERSE = (
    '{"topic":"/contractMarket/level2Depth50:XBTUSDM","type":"message","subject":"level2","sn":7,'
    '"data":{"bids":[["86000",86000]],"sequence":7,"timestamp":1731680249800,"ts":1731680249800,'
    '"asks":[["86000.5",43000],["86001",860010]]}}'
)
LEVEL2_DEPTH50_SUBSCRIBE = (
    '{"id":"d1","type":"subscribe","topic":"/contractMarket/level2Depth50:XBTUSDTM","privateChannel":false,'
    '"response":true}'
)
LEVEL2_DEPTH50_UNSUBSCRIBE = LEVEL2_DEPTH50_SUBSCRIBE.replace('"subscribe"', '"unsubscribe"')
