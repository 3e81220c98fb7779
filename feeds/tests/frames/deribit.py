"""Deribit JSON-RPC frames and REST bodies in the shapes Deribit's docs give."""

QUOTE_INVERSE = (
    '{"jsonrpc":"2.0","method":"subscription","params":{"channel":"quote.BTC-PERPETUAL","data":'
    '{"timestamp":1700000000123,"instrument_name":"BTC-PERPETUAL","best_bid_price":43250.5,'
    '"best_bid_amount":12000.0,"best_ask_price":43251.0,"best_ask_amount":3000.0}}}'
)
QUOTE_LINEAR = (
    '{"jsonrpc":"2.0","method":"subscription","params":{"channel":"quote.BTC_USDC-PERPETUAL","data":'
    '{"timestamp":1700000000456,"instrument_name":"BTC_USDC-PERPETUAL","best_bid_price":43249.9,'
    '"best_bid_amount":0.1234,"best_ask_price":43250.1,"best_ask_amount":2.5}}}'
)
NULL_BID = QUOTE_INVERSE.replace('"best_bid_price":43250.5', '"best_bid_price":null')
ZERO_ASK_AMOUNT = QUOTE_INVERSE.replace('"best_ask_amount":3000.0', '"best_ask_amount":0')
UNKNOWN_INSTRUMENT = QUOTE_INVERSE.replace("BTC-PERPETUAL", "NOPE-PERPETUAL")

SUBSCRIBE_REPLY = (
    '{"jsonrpc":"2.0","id":2,"result":["quote.BTC-PERPETUAL","quote.BTC_USDC-PERPETUAL"],'
    '"usIn":1700000000000100,"usOut":1700000000000150,"usDiff":50,"testnet":false}'
)
SET_HEARTBEAT_REPLY = '{"jsonrpc":"2.0","id":1,"result":"ok","usIn":1,"usOut":2,"usDiff":1,"testnet":false}'
TEST_REPLY = '{"jsonrpc":"2.0","id":9,"result":{"version":"1.2.26"},"usIn":1,"usOut":2,"usDiff":1,"testnet":false}'
HEARTBEAT = '{"jsonrpc":"2.0","method":"heartbeat","params":{"type":"heartbeat"}}'
TEST_REQUEST = '{"jsonrpc":"2.0","method":"heartbeat","params":{"type":"test_request"}}'
ERROR_INVALID_PARAMS = (
    '{"jsonrpc":"2.0","id":2,"error":{"code":-32602,"message":"Invalid params",'
    '"data":{"reason":"must be an array of strings","param":"channels"}},"usIn":1,"usOut":2,"usDiff":1,'
    '"testnet":false}'
)
ERROR_RATE_LIMIT = '{"jsonrpc":"2.0","id":3,"error":{"code":10028,"message":"too_many_requests"},"testnet":false}'

GET_INSTRUMENTS = """{"jsonrpc":"2.0","result":[
 {"tick_size":0.5,"tick_size_steps":[],"taker_commission":0.0005,"settlement_period":"perpetual",
  "settlement_currency":"BTC","quote_currency":"USD","price_index":"btc_usd","min_trade_amount":10,
  "max_leverage":50,"maker_commission":0,"kind":"future","is_active":true,"instrument_name":"BTC-PERPETUAL",
  "instrument_id":124972,"instrument_type":"reversed","expiration_timestamp":32503708800000,
  "creation_timestamp":1534167754000,"counter_currency":"USD","contract_size":10,"base_currency":"BTC",
  "state":"open"},
 {"tick_size":0.05,"settlement_period":"perpetual","settlement_currency":"ETH","quote_currency":"USD",
  "min_trade_amount":1,"kind":"future","is_active":true,"instrument_name":"ETH-PERPETUAL",
  "instrument_type":"reversed","counter_currency":"USD","contract_size":1,"base_currency":"ETH","state":"open"},
 {"tick_size":0.1,"settlement_period":"perpetual","settlement_currency":"USDC","quote_currency":"USDC",
  "min_trade_amount":0.0001,"kind":"future","is_active":true,"instrument_name":"BTC_USDC-PERPETUAL",
  "instrument_type":"linear","counter_currency":"USDC","contract_size":0.0001,"base_currency":"BTC",
  "state":"open"},
 {"tick_size":1E-8,"settlement_period":"perpetual","settlement_currency":"USDC","quote_currency":"USDC",
  "min_trade_amount":1,"kind":"future","is_active":true,"instrument_name":"1000SHIB_USDC-PERPETUAL",
  "future_type":"linear","counter_currency":"USDC","contract_size":1,"base_currency":"1000SHIB","state":"open"},
 {"tick_size":2.5,"settlement_period":"month","settlement_currency":"BTC","quote_currency":"USD",
  "min_trade_amount":10,"kind":"future","is_active":true,"instrument_name":"BTC-29SEP23",
  "instrument_type":"reversed","expiration_timestamp":1695974400000,"counter_currency":"USD","contract_size":10,
  "base_currency":"BTC","state":"open"},
 {"tick_size":0.0001,"settlement_period":"perpetual","settlement_currency":"USDC","quote_currency":"USDC",
  "min_trade_amount":1,"kind":"future","is_active":false,"instrument_name":"OLD_USDC-PERPETUAL",
  "instrument_type":"linear","counter_currency":"USDC","contract_size":1,"base_currency":"OLD","state":"closed"}
],"usIn":1700000000000000,"usOut":1700000000000500,"usDiff":500,"testnet":false}"""
GET_INSTRUMENTS_ERROR = (
    '{"jsonrpc":"2.0","error":{"message":"Invalid params","data":{"reason":"wrong format","param":"currency"},'
    '"code":-32602},"testnet":false,"usIn":1,"usOut":2,"usDiff":1}'
)

# GET /api/v2/public/get_book_summary_by_currency?currency=any&kind=future (fields trimmed).
BOOK_SUMMARY = """{"jsonrpc":"2.0","result":[
 {"instrument_name":"BTC-PERPETUAL","base_currency":"BTC","quote_currency":"USD","funding_8h":0.00012,
  "current_funding":0.00001,"mark_price":43250.5,"creation_timestamp":1700000000123},
 {"instrument_name":"BTC_USDC-PERPETUAL","funding_8h":-0.000004,"current_funding":0,"creation_timestamp":1700002800000},
 {"instrument_name":"BTC-29SEP23","mark_price":43500.0,"creation_timestamp":1700000000123},
 {"instrument_name":"NOPE-PERPETUAL","funding_8h":0.0001,"creation_timestamp":1700000000123}
],"usIn":1700000000123000,"usOut":1700000000124000,"usDiff":1000,"testnet":false}"""

# book.<instrument>.none.10.100ms, in the shape of the docs' grouped-book notification: the top
# levels whole, [price, amount] best first; inverse amounts in USD, linear in the base coin.
DEPTH_SUBSCRIBE = (
    '{"jsonrpc":"2.0","id":2,"method":"public/subscribe","params":{"channels":["book.BTC-PERPETUAL.none.10.100ms"]}}'
)
DEPTH_UNSUBSCRIBE = (
    '{"jsonrpc":"2.0","id":2,"method":"public/unsubscribe","params":{"channels":["book.BTC-PERPETUAL.none.10.100ms"]}}'
)
DEPTH_INVERSE = (
    '{"jsonrpc":"2.0","method":"subscription","params":{"channel":"book.BTC-PERPETUAL.none.10.100ms","data":'
    '{"timestamp":1700000000123,"instrument_name":"BTC-PERPETUAL","change_id":109615,'
    '"bids":[[40000.0,12000.0],[39990.0,39990.0]],"asks":[[40010.0,40010.0],[40020.0,0.0],[40030.0,80060.0]]}}}'
)
DEPTH_LINEAR = (
    '{"jsonrpc":"2.0","method":"subscription","params":{"channel":"book.BTC_USDC-PERPETUAL.none.10.100ms","data":'
    '{"timestamp":1700000000456,"instrument_name":"BTC_USDC-PERPETUAL","change_id":5,'
    '"bids":[[43249.9,0.1234]],"asks":[[43250.1,2.5],[43250.2,1e-4]]}}}'
)
DEPTH_SUBSCRIBE_REPLY = (
    '{"jsonrpc":"2.0","id":2,"result":["book.BTC-PERPETUAL.none.10.100ms"],'
    '"usIn":1700000000000100,"usOut":1700000000000150,"usDiff":50,"testnet":false}'
)
