// The instrument page: its quotes and its opportunities, live, over one subscription to this
// instrument alone; the net spread of its market over time on a uPlot chart (the best, and its
// best pairs'), with each exchange's funding rate on a second axis.
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

// The funding lines: each exchange's rate in %/day (arbitrage/spread_charts.py says why per
// exchange and per day), on a second axis. The engine keeps only each exchange's latest record,
// so a line starts where that rate was stated (or where the spread history starts, if later)
// and the page adds a sample at each refresh; a changed rate steps at the time it was stated.
const FUNDING_COLOURS = ["#f0883e", "#3fb950", "#d2a8ff", "#ff7b72", "#e3b341", "#79c0ff", "#56d4dd", "#db61a2", "#a5d6ff", "#7ee787", "#ffa657"];
const FUNDING_WINDOW_S = 30 * 60; // as long as the spread history (SPREAD_HISTORY_POINTS)

function fundingSamples() {
  const lines = new Map(); // exchange -> {label, ts, daily, points: [[s, %/day]]}
  return {
    lines,
    add(series, nowS, fromS) {
      for (const item of series) {
        const line = lines.get(item.exchange);
        if (!line) {
          const start = Math.min(nowS, Math.max(item.ts, fromS ?? nowS - FUNDING_WINDOW_S));
          lines.set(item.exchange, { label: item.exchange, ts: item.ts, daily: item.daily_pct, points: [[start, item.daily_pct]] });
        } else if (item.ts !== line.ts && item.daily_pct !== line.daily) {
          const at = Math.max(item.ts, line.points[line.points.length - 1][0]);
          line.points.push([at, item.daily_pct]);
        }
        const current = lines.get(item.exchange);
        current.ts = item.ts;
        current.daily = item.daily_pct;
        current.points.push([nowS, item.daily_pct]);
      }
      for (const line of lines.values()) {
        const oldest = nowS - FUNDING_WINDOW_S;
        while (line.points.length > 2 && line.points[1][0] < oldest) line.points.shift();
      }
    },
  };
}

// uPlot's columns: one time axis for the best spread, each pair's and every funding line, null
// where a series has no point (drawn across: spanGaps).
function columns(points, pairs, funding) {
  const times = new Set(points.map((p) => p[0]));
  for (const [t] of pairs.points) times.add(t);
  for (const line of funding.lines.values()) for (const [t] of line.points) times.add(t);
  const x = [...times].sort((a, b) => a - b);
  const at = new Map(x.map((t, i) => [t, i]));
  const spread = new Array(x.length).fill(null);
  for (const [t, v] of points) spread[at.get(t)] = v;
  const data = [x, spread];
  pairs.labels.forEach((_, k) => {
    const values = new Array(x.length).fill(null);
    for (const point of pairs.points) values[at.get(point[0])] = point[k + 1];
    data.push(values);
  });
  for (const line of funding.lines.values()) {
    const values = new Array(x.length).fill(null);
    for (const [t, v] of line.points) values[at.get(t)] = v;
    data.push(values);
  }
  return data;
}

const PAIR_COLOURS = ["#a371f7", "#39c5cf", "#f778ba", "#e3b341", "#56d364"];

function spreadChart(box, initial) {
  let plot = null;
  let drawnKeys = "";
  let latestPoints = [];
  let latestPairs = { labels: [], points: [] };
  const funding = fundingSamples();
  const steps = uPlot.paths.stepped({ align: 1 });
  function options() {
    const pairSeries = latestPairs.labels.map((label, i) => ({
      label,
      stroke: PAIR_COLOURS[i % PAIR_COLOURS.length],
      width: 1,
      spanGaps: false, // a pair out of the best few for a while has no line there
      points: { show: false },
      value: (u, v) => (v === null ? "" : formatPct(v)),
    }));
    const fundingSeries = [...funding.lines.values()].map((line, i) => ({
      label: `${line.label} funding`,
      scale: "funding",
      stroke: FUNDING_COLOURS[i % FUNDING_COLOURS.length],
      width: 1,
      dash: [4, 3],
      paths: steps,
      points: { show: false },
      spanGaps: true,
      value: (u, v) => (v === null ? "" : `${formatPct(v)}/day`),
    }));
    return {
      width: box.clientWidth || 600,
      height: 260,
      scales: { x: { time: true } },
      axes: [
        { stroke: "#7d8590", grid: { stroke: "#2a313c" } },
        { stroke: "#7d8590", grid: { stroke: "#2a313c" }, size: 70, values: (u, ticks) => ticks.map((v) => formatPct(v)) },
        { scale: "funding", side: 1, stroke: "#7d8590", grid: { show: false }, size: 80, label: "funding %/day", values: (u, ticks) => ticks.map((v) => formatPct(v)) },
      ],
      series: [
        {},
        { label: "Best net spread", stroke: "#58a6ff", width: 2, spanGaps: true, value: (u, v) => (v === null ? "" : formatPct(v)) },
        ...pairSeries,
        ...fundingSeries,
      ],
    };
  }
  function draw() {
    const data = columns(latestPoints, latestPairs, funding);
    if (data[0].length < 2) return;
    const keys = [...latestPairs.labels, ...funding.lines.keys()].join("|");
    if (plot && keys === drawnKeys) {
      plot.setData(data);
    } else {
      // Another pair among the best, or a new exchange's funding, is a new series: the chart is
      // drawn again with it.
      plot?.destroy();
      box.textContent = "";
      plot = new uPlot(options(), data, box);
      drawnKeys = keys;
    }
    box.dataset.fundingSeries = String(funding.lines.size);
    box.dataset.pairSeries = String(latestPairs.labels.length);
    box.dataset.samples = String(data[0].length);
  }
  function take(answer) {
    latestPoints = answer.points;
    latestPairs = answer.pairs;
    funding.add(answer.funding, answer.now, latestPoints.length ? latestPoints[0][0] : undefined);
    draw();
  }
  take(initial);
  new ResizeObserver(() => plot?.setSize({ width: box.clientWidth, height: 260 })).observe(box);
  setInterval(async () => {
    try {
      const response = await fetch(box.dataset.url, { headers: { Accept: "application/json" } });
      if (response.ok) take(await response.json());
    } catch {
      // offline for a moment: the next round tries again
    }
  }, CHART_REFRESH_MS);
}

const chartBox = document.getElementById("spread-chart");
if (chartBox) spreadChart(chartBox, JSON.parse(document.getElementById("spread-chart-data").textContent));
