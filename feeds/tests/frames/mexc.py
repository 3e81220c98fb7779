"""MEXC futures frames in the shapes the docs and the live /edge socket give."""

import zlib

# sub.depth.full with limit 5: levels are [price, contracts, order count], JSON numbers.
DEPTH_FULL = (
    '{"symbol":"BTC_USDT","data":{"cts":1700000000009,"version":41925002140,'
    '"asks":[[43250.2,3446,2],[43250.3,1239,1],[43250.4,10,1],[43250.5,7,1],[43250.6,1,1]],'
    '"bids":[[43250.1,31288,7],[43250,512,3],[43249.9,8,1],[43249.8,2,1],[43249.7,1,1]]},'
    '"channel":"push.depth.full","ts":1700000000013}'
)
# A price MEXC's Java server wrote in exponent form (75480), next to a plain one.
EXPONENT_PRICE = (
    '{"symbol":"BTC_USDT","data":{"cts":1700000000109,"version":41925002141,'
    '"asks":[[7.548E+4,5,1]],"bids":[[75479.9,12,2]]},"channel":"push.depth.full","ts":1700000000113}'
)
# Inverse: BTC_USD counts 100-USD contracts.
INVERSE_DEPTH = (
    '{"symbol":"BTC_USD","data":{"cts":1700000000209,"version":7,'
    '"asks":[[50000.5,20,1]],"bids":[[50000,10,2]]},"channel":"push.depth.full","ts":1700000000213}'
)
# No cts (older pushes): the push time stands in.
WITHOUT_CTS = (
    '{"symbol":"ETH_USDT","data":{"asks":[[2300.01,4,1]],"bids":[[2300,9,1]],"version":3},'
    '"channel":"push.depth.full","ts":1700000000313}'
)
EMPTY_BIDS = (
    '{"symbol":"BTC_USDT","data":{"cts":1,"asks":[[43250.2,3,1]],"bids":[],"version":5},"channel":"push.depth.full"}'
)
EMPTY_ASKS = (
    '{"symbol":"BTC_USDT","data":{"cts":1,"asks":[],"bids":[[43250.1,3,1]],"version":5},"channel":"push.depth.full"}'
)
UNKNOWN_SYMBOL = DEPTH_FULL.replace("BTC_USDT", "NOPE_USDT")
GZIPPED_DEPTH_FULL = zlib.compress(DEPTH_FULL.encode(), wbits=16 + zlib.MAX_WBITS)

SUBSCRIBE_ACK = '{"channel":"rs.sub.depth.full","data":"success","ts":1700000000001}'
UNSUBSCRIBE_ACK = '{"channel":"rs.unsub.depth.full","data":"success","ts":1700000000002}'
PONG = '{"channel":"pong","data":1700000000123}'
ERROR = '{"channel":"rs.error","data":"Contract doesn\'t exist!","ts":1700000000003}'
REFUSED_ACK = '{"channel":"rs.sub.depth.full","data":"limit error","ts":1700000000004}'

CONTRACT_DETAIL = """{"success":true,"code":0,"data":[
 {"symbol":"BTC_USDT","displayNameEn":"BTC_USDT PERPETUAL","baseCoin":"BTC","quoteCoin":"USDT","settleCoin":"USDT",
  "futureType":1,"contractSize":0.0001,"priceScale":1,"priceUnit":0.1,"volUnit":1,"minVol":1,"state":0,"isHidden":false,
  "conceptPlate":["mc-trade-zone-pow"],"apiAllowed":false},
 {"symbol":"1000PEPE_USDT","baseCoin":"1000PEPE","quoteCoin":"USDT","settleCoin":"USDT","futureType":1,
  "contractSize":1E+2,"priceUnit":1E-7,"state":0,"conceptPlate":[]},
 {"symbol":"BTC_USDC","baseCoin":"BTC","quoteCoin":"USDC","settleCoin":"USDC","futureType":1,
  "contractSize":0.0001,"priceUnit":0.1,"state":0},
 {"symbol":"BTC_USD","baseCoin":"BTC","quoteCoin":"USD","settleCoin":"BTC","futureType":1,
  "contractSize":100,"priceUnit":0.5,"state":0},
 {"symbol":"BTC_USDT_260327","baseCoin":"BTC","quoteCoin":"USDT","settleCoin":"USDT","futureType":2,
  "contractSize":0.0001,"priceUnit":0.1,"state":0},
 {"symbol":"LUNA_USDT","baseCoin":"LUNA","quoteCoin":"USDT","settleCoin":"USDT","futureType":1,
  "contractSize":1,"priceUnit":0.0001,"state":3},
 {"symbol":"NEW_USDT","baseCoin":"NEW","quoteCoin":"USDT","settleCoin":"USDT","futureType":1,
  "contractSize":1,"priceUnit":0.0001,"state":4},
 {"symbol":"AAPLSTOCK_USDT","baseCoin":"AAPLSTOCK","quoteCoin":"USDT","settleCoin":"USDT","futureType":1,
  "contractSize":0.01,"priceUnit":0.01,"state":0,"conceptPlate":["mc-trade-zone-tradfi"]},
 {"symbol":"GOLD_USDT","baseCoin":"GOLD","quoteCoin":"USDT","settleCoin":"USDT","futureType":1,
  "contractSize":0.01,"priceUnit":0.01,"state":0,"conceptPlate":["mc-trade-zone-tradfi"]}
]}"""
CONTRACT_DETAIL_REFUSED = '{"success":false,"code":510,"message":"Requests are too frequent"}'

# GET /api/v1/contract/funding_rate/{symbol}: one contract per answer, the rate a JSON number.
FUNDING_RATE_BTC = """{"success":true,"code":0,"data":{"symbol":"BTC_USDT","fundingRate":0.000036,
 "maxFundingRate":0.003,"minFundingRate":-0.003,"collectCycle":8,"nextSettleTime":1700006400000,
 "timestamp":1700000000123}}"""
FUNDING_RATE_PEPE = """{"success":true,"code":0,"data":{"symbol":"1000PEPE_USDT","fundingRate":-1.5E-4,
 "maxFundingRate":0.02,"minFundingRate":-0.02,"collectCycle":4,"nextSettleTime":1700006400000}}"""
FUNDING_RATE_UNKNOWN = FUNDING_RATE_BTC.replace("BTC_USDT", "NOPE_USDT")
FUNDING_RATE_REFUSED = '{"success":false,"code":1001,"message":"Contract does not exist"}'

# What a depth connection sends and gets: sub.depth.full at limit 10, dropped with the docs' usub.depth.full.
DEPTH_SUBSCRIBE = '{"method":"sub.depth.full","param":{"symbol":"BTC_USDT","limit":10},"gzip":false}'
DEPTH_UNSUBSCRIBE = '{"method":"usub.depth.full","param":{"symbol":"BTC_USDT"}}'
# The docs show no reply to usub.depth.full; any `rs.` reply whose data is "success" is an ack.
DEPTH_UNSUBSCRIBE_ACK = '{"channel":"rs.usub.depth.full","data":"success","ts":1700000000005}'
