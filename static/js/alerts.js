// Pages without live market data still hear the user's in-app alerts. A subscription to an
// instrument name no market has keeps prices off this socket (canonical names hold "/").
import { connectFeed } from "./feed.js";

connectFeed({ instruments: ["none"] });
