// The instrument page: its quotes and its opportunities, live, over one subscription to this
// instrument alone; the best net spread of its market over time on a uPlot chart.
import uPlot from "../vendor/uplot/uPlot.esm.js";
import { connectFeed } from "./feed.js";
import { formatPct } from "./format.js";
import { priceMatrix } from "./matrix.js";
import { opportunityTable } from "./opportunities.js";

const CHART_REFRESH_MS = 5000;
const HISTORY_REFRESH_MS = 2000; // at most this often, however many opportunities open and close

// The History card reloads itself (htmx, hx-trigger "history-changed from:body") shortly after
// an opportunity of this instrument opened or closed, once for a burst of them.
let historyTimer = null;
function historyChanged() {
  if (historyTimer === null) {
    historyTimer = setTimeout(() => {
      historyTimer = null;
      document.body.dispatchEvent(new CustomEvent("history-changed"));
    }, HISTORY_REFRESH_MS);
  }
}

const matrix = priceMatrix(document.getElementById("price-matrix"));
const opportunities = opportunityTable(document.querySelector("table.opportunities"));
const feed = connectFeed({
  instruments: matrix.instruments,
  onSnapshot: (snapshot) => {
    matrix.replace(snapshot.data);
    opportunities.replace(snapshot.opportunities);
  },
  onQuotes: matrix.update,
  onOpportunities: (list) => {
    opportunities.onOpportunities(list);
    historyChanged();
  },
  onClosed: (list) => {
    opportunities.onClosed(list);
    historyChanged();
  },
});
matrix.onFreshness(feed.setFresh);

function columns(points) {
  return [points.map((p) => p[0]), points.map((p) => p[1])];
}

function spreadChart(box, points) {
  let plot = null;
  function draw(latest) {
    if (latest.length < 2) return;
    if (plot) {
      plot.setData(columns(latest));
      return;
    }
    box.textContent = "";
    plot = new uPlot(
      {
        width: box.clientWidth || 600,
        height: 220,
        scales: { x: { time: true } },
        axes: [
          { stroke: "#7d8590", grid: { stroke: "#2a313c" } },
          { stroke: "#7d8590", grid: { stroke: "#2a313c" }, size: 70, values: (u, ticks) => ticks.map((v) => formatPct(v)) },
        ],
        series: [{}, { label: "Best net spread", stroke: "#58a6ff", width: 1.5, value: (u, v) => (v === null ? "" : formatPct(v)) }],
      },
      columns(latest),
      box,
    );
    new ResizeObserver(() => plot.setSize({ width: box.clientWidth, height: 220 })).observe(box);
  }
  draw(points);
  setInterval(async () => {
    try {
      const response = await fetch(box.dataset.url, { headers: { Accept: "application/json" } });
      if (response.ok) draw((await response.json()).points);
    } catch {
      // offline for a moment: the next round tries again
    }
  }, CHART_REFRESH_MS);
}

const chartBox = document.getElementById("spread-chart");
if (chartBox) spreadChart(chartBox, JSON.parse(document.getElementById("spread-points").textContent));
