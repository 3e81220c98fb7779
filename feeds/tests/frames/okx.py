"""OKX v5 frames in the shapes the docs and the live server give."""

import json

BBO = (
    '{"arg":{"channel":"bbo-tbt","instId":"BTC-USDT-SWAP"},"data":[{"asks":[["43250.2","415","0","13"]],'
    '"bids":[["43250.1","256.5","0","12"]],"ts":"1700000000123","seqId":123}]}'
)
# Inverse: 100 USD per contract, so base size = contracts × 100 / price.
INVERSE_BBO = (
    '{"arg":{"channel":"bbo-tbt","instId":"BTC-USD-SWAP"},"data":[{"asks":[["40000.5","3","0","2"]],'
    '"bids":[["40000","8","0","4"]],"ts":"1700000000456","seqId":77}]}'
)
USDC_BBO = BBO.replace("BTC-USDT-SWAP", "BTC-USDC-SWAP")
EMPTY_BID_BBO = (
    '{"arg":{"channel":"bbo-tbt","instId":"BTC-USDT-SWAP"},"data":[{"asks":[["43250.2","415","0","13"]],'
    '"bids":[],"ts":"1700000000789","seqId":124}]}'
)
UNKNOWN_INSTRUMENT = BBO.replace("BTC-USDT-SWAP", "NOPE-USDT-SWAP")

PONG = "pong"
SUBSCRIBE_ACK = (
    '{"id":"1","event":"subscribe","arg":{"channel":"bbo-tbt","instId":"BTC-USDT-SWAP"},"connId":"a4d3ae55"}'
)
UNSUBSCRIBE_ACK = '{"event":"unsubscribe","arg":{"channel":"bbo-tbt","instId":"BTC-USDT-SWAP"},"connId":"a4d3ae55"}'
ERROR_UNKNOWN_INSTRUMENT = (
    '{"id":"1","event":"error","code":"60018","msg":"Wrong URL or channel:bbo-tbt,instId:NOPE-USDT-SWAP '
    "doesn't exist. Please use the correct URL, channel and parameters referring to API document.\","
    '"connId":"a4d3ae55"}'
)
ERROR_INVALID_REQUEST = (
    '{"event":"error","code":"60012","msg":"Invalid request: {\\"op\\": \\"subscribe\\", \\"argss\\":[]}",'
    '"connId":"a4d3ae55"}'
)
SERVICE_UPGRADE_NOTICE = (
    '{"event":"notice","code":"64008","msg":"The connection will soon be closed for a service upgrade. '
    'Please reconnect.","connId":"a4d3ae55"}'
)
CONN_COUNT = '{"event":"channel-conn-count","channel":"orders","connCount":"2","connId":"abcd1234"}'


def _swap(inst_id: str, family: str, settle: str, ct_type: str, ct_val: str, ct_val_ccy: str, tick: str, **extra):
    fields = {
        "instType": "SWAP",
        "instId": inst_id,
        "uly": family.split("_")[0],
        "instFamily": family,
        "instCategory": "1",
        "baseCcy": "",
        "quoteCcy": "",
        "settleCcy": settle,
        "ctVal": ct_val,
        "ctMult": "1",
        "ctValCcy": ct_val_ccy,
        "ctType": ct_type,
        "tickSz": tick,
        "lotSz": "0.01",
        "minSz": "0.01",
        "listTime": "1611916828000",
        "expTime": "",
        "lever": "100",
        "state": "live",
        "ruleType": "normal",
        "alias": "",
    }
    fields.update(extra)
    return fields


SWAP_ROWS = [
    _swap("BTC-USDT-SWAP", "BTC-USDT", "USDT", "linear", "0.01", "BTC", "0.1"),
    _swap("BTC-USDC-SWAP", "BTC-USDC", "USDC", "linear", "0.0001", "BTC", "0.1"),
    _swap("BTC-USD-SWAP", "BTC-USD", "BTC", "inverse", "100", "USD", "0.1"),
    _swap("ETH-USD-SWAP", "ETH-USD", "ETH", "inverse", "10", "USD", "0.01"),
    _swap("PEPE-USDT-SWAP", "PEPE-USDT", "USDT", "linear", "10000000", "PEPE", "0.0000000001", lotSz="1", minSz="1"),
    _swap("1000SATS-USDT-SWAP", "1000SATS-USDT", "USDT", "linear", "100000", "1000SATS", "0.0000001"),
    # Left out: pre-market, suspended, a stock perpetual, and a USD-margined (stablecoin basket) swap.
    _swap("NEW-USDT-SWAP", "NEW-USDT", "USDT", "linear", "1", "NEW", "0.0001", state="preopen", ruleType="pre_market"),
    _swap("OLD-USDT-SWAP", "OLD-USDT", "USDT", "linear", "1", "OLD", "0.0001", state="suspend"),
    _swap("TSLA-USDT-SWAP", "TSLA-USDT", "USDT", "linear", "0.01", "TSLA", "0.01", instCategory="3"),
    _swap("BTC-USD_UM-SWAP", "BTC-USD_UM", "USD", "linear", "0.0001", "BTC", "0.1"),
]
FUTURES_ROW = _swap(
    "BTC-USDT-251226", "BTC-USDT", "USDT", "linear", "0.01", "BTC", "0.1", instType="FUTURES", alias="quarter"
)


def _body(rows: list[dict]) -> str:
    return json.dumps({"code": "0", "msg": "", "data": rows})


INSTRUMENTS = _body(SWAP_ROWS)
FUTURES_INSTRUMENTS = _body([FUTURES_ROW])
INSTRUMENTS_ERROR = '{"code":"51000","msg":"Parameter instType error","data":[]}'

# GET /api/v5/public/funding-rate?instId=…, one answer per instrument, as the docs show it.
FUNDING_RATE = """{"code":"0","msg":"","data":[{"formulaType":"noRate","fundingRate":"0.0000792386885340",
 "fundingTime":"1703088000000","impactValue":"","instId":"BTC-USDT-SWAP","instType":"SWAP","interestRate":"",
 "maxFundingRate":"0.00375","method":"current_period","minFundingRate":"-0.00375","nextFundingRate":"",
 "nextFundingTime":"1703116800000","premium":"0.0001233824646391","settFundingRate":"0.0001418433662153",
 "settState":"settled","ts":"1703070685309"}]}"""
# An inverse swap moved to hourly funding: the interval is the gap between the two times.
FUNDING_RATE_HOURLY = (
    FUNDING_RATE.replace("BTC-USDT-SWAP", "BTC-USD-SWAP")
    .replace("1703116800000", "1703091600000")
    .replace('"0.0000792386885340"', '"-0.0000125"')
)
FUNDING_RATE_ERROR = '{"code":"51001","msg":"Instrument ID does not exist","data":[]}'

# books5 (docs: "Push Data Example of books5 channel"): the top 5 levels whole, sizes in contracts.
BOOKS5 = (
    '{"arg":{"channel":"books5","instId":"BTC-USDT-SWAP"},"data":[{"asks":[["43250.2","415","0","13"],'
    '["43250.3","53.5","0","2"],["43250.8","0","0","0"],["43251","72","0","3"],["43252.5","70","0","2"]],'
    '"bids":[["43250.1","256.5","0","12"],["43250","57","0","2"],["43249.9","69","0","2"],'
    '["43249","71","0","1"],["43248.2","65","0","2"]],"instId":"BTC-USDT-SWAP","ts":"1700000000123",'
    '"seqId":363996337}]}'
)
# Inverse: 100 USD per contract.
INVERSE_BOOKS5 = (
    '{"arg":{"channel":"books5","instId":"BTC-USD-SWAP"},"data":[{"asks":[["40000.5","3","0","2"],'
    '["40001","4","0","1"]],"bids":[["40000","8","0","4"],["39999.5","2","0","1"]],'
    '"instId":"BTC-USD-SWAP","ts":"1700000000456","seqId":78}]}'
)
BOOKS5_SUBSCRIBE = '{"id":"1","op":"subscribe","args":[{"channel":"books5","instId":"BTC-USDT-SWAP"}]}'
BOOKS5_UNSUBSCRIBE = '{"id":"1","op":"unsubscribe","args":[{"channel":"books5","instId":"BTC-USDT-SWAP"}]}'
BOOKS5_SUBSCRIBE_ACK = (
    '{"id":"1","event":"subscribe","arg":{"channel":"books5","instId":"BTC-USDT-SWAP"},"connId":"a4d3ae55"}'
)
BOOKS5_UNSUBSCRIBE_ACK = (
    '{"id":"1","event":"unsubscribe","arg":{"channel":"books5","instId":"BTC-USDT-SWAP"},"connId":"a4d3ae55"}'
)
