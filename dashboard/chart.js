// Time-series charts on uPlot (served from squint, like every file of the page).
import uPlot from "/dashboard/vendor/uPlot.esm.js";
import { usd } from "./format.js";

/** Line colours, in order; readable on the dark background. */
export const COLOURS = [
  "#5eb1ff",
  "#4cc38a",
  "#f0b429",
  "#c792ea",
  "#ff8c69",
  "#7fdbca",
  "#ff6b9a",
];

const AXIS = {
  stroke: "#9aa4b2",
  grid: { stroke: "#252b35", width: 1 },
  ticks: { stroke: "#2a313b", width: 1 },
};

/**
 * A chart of `series` (`[{label, values, colour?, fill?}]`) over `times` (ms) in `container`,
 * money on the y axis. Resizes with its container.
 */
export function moneyChart(container, times, series, { height = 240 } = {}) {
  const options = {
    width: Math.max(container.clientWidth, 300),
    height,
    cursor: { drag: { x: false, y: false } },
    legend: { live: true },
    scales: { x: { time: true } },
    axes: [
      AXIS,
      { ...AXIS, size: 80, values: (_u, ticks) => ticks.map((t) => usd(t)) },
    ],
    series: [
      {},
      ...series.map((s, i) => {
        const colour = s.colour ?? COLOURS[i % COLOURS.length];
        return {
          label: s.label,
          stroke: colour,
          width: 2,
          fill: s.fill ? `${colour}22` : undefined,
          points: { show: times.length < 60 },
          value: (_u, v) => usd(v),
        };
      }),
    ],
  };
  const data = [times.map((t) => t / 1000), ...series.map((s) => s.values)];
  const chart = new uPlot(options, data, container);
  const resize = new ResizeObserver(() => {
    chart.setSize({ width: Math.max(container.clientWidth, 300), height });
  });
  resize.observe(container);
  return chart;
}
