// Pages without live market data still hear the user's in-app alerts: no instrument, no
// opportunity.
import { connectFeed } from "./feed.js";

connectFeed({ opportunities: "none" });
