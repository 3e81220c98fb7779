// The Paper page: the equity curve per settle currency on a uPlot chart, redrawn after a
// balance set, a closed pair, or "Record now" (which records a point at the current marks).
import uPlot from "../vendor/uplot/uPlot.esm.js";
import "./paper_ticket.js";

const COLOURS = ["#58a6ff", "#3fb950", "#d29922", "#f85149", "#bc8cff"];

// uPlot wants one x array and one aligned y array per series: every point's time, each
// currency's equity where it has one (null elsewhere, spanned).
function columns(points) {
  const currencies = [...new Set(points.map((p) => p.currency))].sort();
  const times = [...new Set(points.map((p) => p.recorded_ms / 1000))].sort((a, b) => a - b);
  const at = new Map(times.map((t, i) => [t, i]));
  const series = currencies.map(() => times.map(() => null));
  for (const p of points) series[currencies.indexOf(p.currency)][at.get(p.recorded_ms / 1000)] = Number(p.equity);
  return { currencies, data: [times, ...series] };
}

function equityChart(box) {
  let plot = null;
  let shown = "";
  return function draw(points) {
    if (!points.length) return;
    const { currencies, data } = columns(points);
    if (plot && shown === currencies.join()) {
      plot.setData(data);
      return;
    }
    plot?.destroy();
    box.textContent = "";
    shown = currencies.join();
    plot = new uPlot(
      {
        width: box.clientWidth || 600,
        height: 240,
        scales: { x: { time: true } },
        axes: [
          { stroke: "#7d8590", grid: { stroke: "#2a313c" } },
          { stroke: "#7d8590", grid: { stroke: "#2a313c" }, size: 100 },
        ],
        series: [
          {},
          ...currencies.map((currency, i) => ({
            label: currency,
            stroke: COLOURS[i % COLOURS.length],
            width: 1.5,
            spanGaps: true,
            value: (u, v) => (v === null ? "" : `${v.toLocaleString(undefined, { maximumFractionDigits: 2 })} ${currency}`),
          })),
        ],
      },
      data,
      box,
    );
    new ResizeObserver(() => plot.setSize({ width: box.clientWidth, height: 240 })).observe(box);
  };
}

function csrfToken() {
  return JSON.parse(document.body.getAttribute("hx-headers") || "{}")["X-CSRFToken"] || "";
}

const box = document.getElementById("equity-chart");
if (box) {
  const draw = equityChart(box);
  const button = document.getElementById("record-equity");
  const url = button.dataset.url;
  draw(JSON.parse(document.getElementById("equity-points").textContent));

  async function refresh(method = "GET") {
    try {
      if (method === "POST") await fetch(url, { method, headers: { "X-CSRFToken": csrfToken(), Accept: "application/json" } });
      const response = await fetch(url, { headers: { Accept: "application/json" } });
      if (response.ok) draw(await response.json());
    } catch {
      // offline for a moment: the next change draws it
    }
  }
  button.addEventListener("click", () => refresh("POST"));
  document.body.addEventListener("htmx:afterSwap", (event) => {
    if (event.detail.target.id === "paper-account") refresh();
  });
}
