"""Gate.io USDT- and BTC-settled futures frames and contract lists in the shapes the docs and the live server give."""

# Connected with X-Gate-Size-Decimal: 1, so sizes are decimal strings.
BOOK_TICKER = (
    '{"time":1700000000,"time_ms":1700000000125,"channel":"futures.book_ticker","event":"update",'
    '"result":{"t":1700000000123,"u":2517661076,"s":"BTC_USDT","b":"43250.1","B":"37000","a":"43250.2","A":"47061.5"}}'
)
# Without the header: sizes are integers; the docs' example also carries "error": null.
BOOK_TICKER_INT_SIZES = (
    '{"time":1700000000,"time_ms":1700000000125,"channel":"futures.book_ticker","event":"update","error":null,'
    '"result":{"t":1700000000124,"u":2517661077,"s":"ETH_USDT","b":"2300.01","B":1500,"a":"2300.02","A":250}}'
)
# The docs' field table calls `u` a String.
BOOK_TICKER_STRING_U = BOOK_TICKER.replace('"u":2517661076', '"u":"2517661080"')
OLDER_BOOK_TICKER = BOOK_TICKER.replace('"u":2517661076', '"u":2517661070').replace('"b":"43250.1"', '"b":"43249.0"')
EMPTY_BID = BOOK_TICKER.replace('"b":"43250.1","B":"37000"', '"b":"","B":0').replace("2517661076", "2517661090")
EMPTY_ASK = BOOK_TICKER.replace('"a":"43250.2","A":"47061.5"', '"a":"","A":0').replace("2517661076", "2517661091")
UNKNOWN_SYMBOL = BOOK_TICKER.replace("BTC_USDT", "NOPE_USDT")
SUBSCRIBE_ACK = (
    '{"time":1700000000,"time_ms":1700000000010,"id":1,"conn_id":"5ac8b3f9a6a44e4c",'
    '"trace_id":"e6fd9bdd617fcdb80d0762ffa33e71f6","channel":"futures.book_ticker","event":"subscribe",'
    '"payload":["BTC_USDT","ETH_USDT"],"result":{"status":"success"}}'
)
UNSUBSCRIBE_ACK = (
    '{"time":1700000000,"time_ms":1700000000010,"channel":"futures.book_ticker","event":"unsubscribe",'
    '"result":{"status":"success"}}'
)
PONG = '{"time":1700000000,"time_ms":1700000000123,"channel":"futures.pong","event":"","result":null}'
ERROR = (
    '{"time":1700000000,"time_ms":1700000000010,"id":2,"channel":"futures.book_ticker","event":"subscribe",'
    '"payload":["BTC_USDT","NOPE_USDT"],"error":{"code":2,"message":"unknown contract NOPE_USDT"},'
    '"result":{"status":"fail"}}'
)

CONTRACTS = """[
 {"name":"BTC_USDT","type":"direct","quanto_multiplier":"0.0001","order_price_round":"0.1",
  "mark_price_round":"0.01","order_size_min":"1","enable_decimal":false,"in_delisting":false,
  "status":"trading","contract_type":""},
 {"name":"SOL_USDT","type":"direct","quanto_multiplier":"1","order_price_round":"0.001",
  "order_size_min":"0.001","enable_decimal":true,"in_delisting":false,"status":"trading"},
 {"name":"1000RATS_USDT","type":"direct","quanto_multiplier":"10","order_price_round":"0.00001",
  "order_size_min":"1","enable_decimal":false,"in_delisting":false,"status":"trading","contract_type":""},
 {"name":"AAPLX_USDT","type":"direct","quanto_multiplier":"0.01","order_price_round":"0.01",
  "order_size_min":"1","in_delisting":false,"status":"trading","contract_type":"stocks"},
 {"name":"XAU_USDT","type":"direct","quanto_multiplier":"0.001","order_price_round":"0.01",
  "order_size_min":"1","in_delisting":false,"status":"trading","contract_type":"metals"},
 {"name":"OLD_USDT","type":"direct","quanto_multiplier":"1","order_price_round":"0.0001",
  "order_size_min":"1","in_delisting":true,"status":"delisting","contract_type":""},
 {"name":"NEW_USDT","type":"direct","quanto_multiplier":"1","order_price_round":"0.0001",
  "order_size_min":"1","in_delisting":false,"status":"prelaunch","contract_type":""}
]"""

# The same contract list, with the funding fields the docs give every contract.
CONTRACTS_WITH_FUNDING = """[
 {"name":"BTC_USDT","type":"direct","quanto_multiplier":"0.0001","order_price_round":"0.1","status":"trading",
  "funding_rate":"0.000063","funding_interval":28800,"funding_next_apply":1700006400,"funding_rate_indicative":"0.0001"},
 {"name":"SOL_USDT","type":"direct","quanto_multiplier":"1","order_price_round":"0.001","status":"trading",
  "funding_rate":"-0.0002","funding_interval":14400,"funding_next_apply":1700006400.0},
 {"name":"NOPE_USDT","type":"direct","quanto_multiplier":"1","order_price_round":"0.001","status":"trading",
  "funding_rate":"0.0001","funding_interval":28800,"funding_next_apply":1700006400}
]"""

# futures.order_book (docs: "全量深度推送", the `all` event): the top levels whole, sizes in contracts
# as decimal strings under X-Gate-Size-Decimal; `l` the limit subscribed.
ORDER_BOOK_ALL = (
    '{"channel":"futures.order_book","event":"all","time":1700000000,"time_ms":1700000000225,'
    '"result":{"t":1700000000223,"contract":"BTC_USDT","id":93973511,'
    '"asks":[{"p":"43250.2","s":"47061"},{"p":"43250.3","s":"1200"},{"p":"43251","s":"0"}],'
    '"bids":[{"p":"43250.1","s":"37000"},{"p":"43249.5","s":"2245"}],"l":"10"}}'
)
# Without the header, sizes are numbers; SOL_USDT takes fractional contracts of 1 SOL.
ORDER_BOOK_ALL_INT_SIZES = (
    '{"channel":"futures.order_book","event":"all","time":1700000000,"time_ms":1700000000326,'
    '"result":{"t":1700000000324,"contract":"SOL_USDT","id":1,"asks":[{"p":"95.001","s":12}],'
    '"bids":[{"p":"95","s":7}],"l":"10"}}'
)
# The single-level changes older copies of the docs describe on this channel.
ORDER_BOOK_UPDATE = (
    '{"channel":"futures.order_book","event":"update","time":1700000000,"time_ms":1700000000400,'
    '"result":[{"p":"43250.5","s":-6541,"contract":"BTC_USDT","id":93973512}]}'
)
ORDER_BOOK_SUBSCRIBE = (
    '{"time":1700000000,"id":1,"channel":"futures.order_book","event":"subscribe","payload":["BTC_USDT","10","0"]}'
)
ORDER_BOOK_UNSUBSCRIBE_ACK = (
    '{"time":1700000000,"time_ms":1700000000500,"id":1,"channel":"futures.order_book","event":"unsubscribe",'
    '"result":{"status":"success"}}'
)
ORDER_BOOK_ERROR = (
    '{"time":1700000000,"time_ms":1700000000010,"id":1,"channel":"futures.order_book","event":"subscribe",'
    '"payload":["NOPE_USDT","10","0"],"error":{"code":2,"message":"unknown contract NOPE_USDT"},'
    '"result":{"status":"fail"}}'
)

# GET /api/v4/futures/btc/contracts: the inverse BTC_USD (`quanto_multiplier` "0": 1 USD a
# contract, gateio/gateapi-python#137) with its funding fields, and a quanto contract left out.
BTC_CONTRACTS = """[
 {"name":"BTC_USD","type":"inverse","quanto_multiplier":"0","leverage_min":"1","leverage_max":"100",
  "maintenance_rate":"0.005","mark_type":"index","mark_price":"40000.2","index_price":"40000.1",
  "last_price":"40000.5","maker_fee_rate":"-0.00025","taker_fee_rate":"0.00075","order_price_round":"0.1",
  "mark_price_round":"0.1","funding_rate":"0.0001","funding_interval":28800,"funding_next_apply":1700006400,
  "order_size_min":1,"order_size_max":1000000,"enable_decimal":false,"in_delisting":false,
  "status":"trading","contract_type":""},
 {"name":"ETH_USD","type":"direct","quanto_multiplier":"0.000001","order_price_round":"0.01",
  "order_size_min":1,"in_delisting":false,"status":"trading","contract_type":"",
  "funding_rate":"0.0001","funding_interval":28800,"funding_next_apply":1700006400}
]"""

# On wss://fx-ws.gateio.ws/v4/ws/btc, the same channel; sizes are USD contracts.
BTC_BOOK_TICKER = (
    '{"time":1700000000,"time_ms":1700000000125,"channel":"futures.book_ticker","event":"update",'
    '"result":{"t":1700000000123,"u":93216578,"s":"BTC_USD","b":"40000","B":"80000","a":"40000.5","A":120001}}'
)

# futures.order_book on /v4/ws/btc: levels in USD contracts.
BTC_ORDER_BOOK_ALL = (
    '{"channel":"futures.order_book","event":"all","time":1700000000,"time_ms":1700000000321,'
    '"result":{"t":1700000000318,"contract":"BTC_USD","id":93216600,"asks":[{"p":"40000.5","s":"120001"}],'
    '"bids":[{"p":"40000","s":"80000"},{"p":"39999.5","s":"39999"}],"l":"10"}}'
)
