// The Replay page's chart: each opportunity's peak net spread at the time it opened (points),
// and the peak profit summed over the period (line, right axis).
import uPlot from "../vendor/uplot/uPlot.esm.js";
import { formatPct } from "./format.js";

const box = document.getElementById("replay-chart");
const points = JSON.parse(document.getElementById("replay-points").textContent);
if (box && points.t.length) {
  const plot = new uPlot(
    {
      width: box.clientWidth || 600,
      height: 240,
      scales: { x: { time: true }, profit: {} },
      axes: [
        { stroke: "#7d8590", grid: { stroke: "#2a313c" } },
        { stroke: "#7d8590", grid: { stroke: "#2a313c" }, size: 70, values: (u, ticks) => ticks.map((v) => formatPct(v)) },
        { scale: "profit", side: 1, stroke: "#7d8590", grid: { show: false }, size: 70 },
      ],
      series: [
        {},
        {
          label: "Peak net spread",
          stroke: "#58a6ff",
          paths: () => null,
          points: { show: true, size: 5, fill: "#58a6ff" },
          value: (u, v) => (v === null ? "" : formatPct(v)),
        },
        { label: "Peak profit summed", scale: "profit", stroke: "#3fb950", width: 1.5 },
      ],
    },
    [points.t, points.peak_net_pct, points.profit_summed],
    box,
  );
  new ResizeObserver(() => plot.setSize({ width: box.clientWidth, height: 240 })).observe(box);
}
