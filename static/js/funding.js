// The Funding page: its filters fold on a phone, so the ranking comes first.
import { foldOnPhone } from "./filters_box.js";

foldOnPhone(document.getElementById("filters-box"));
