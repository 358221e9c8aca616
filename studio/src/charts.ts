// Charts: Chart.js with only the pieces the studio draws registered (keeps the bundle small).
// Every chart comes with a data table, so the figures never depend on seeing the canvas.
import {
  BarController,
  BarElement,
  CategoryScale,
  Chart,
  Legend,
  LinearScale,
  LineController,
  LineElement,
  PointElement,
  Tooltip,
  type ChartConfiguration,
} from "chart.js";
import { h, table, uid, type Child } from "./dom";

Chart.register(BarController, BarElement, LineController, LineElement, PointElement, CategoryScale, LinearScale, Tooltip, Legend);
Chart.defaults.font.family = "system-ui, sans-serif";
Chart.defaults.color = "#1f2933";

// Distinct colours with AA contrast on white; series also differ by point shape.
export const PALETTE = ["#1d4ed8", "#b45309", "#047857", "#9d174d", "#6d28d9", "#374151"];
export const SHAPES = ["circle", "rect", "triangle", "rectRot", "star", "crossRot"] as const;

export interface ChartBlock {
  title: string;
  /** One sentence saying what the chart shows, read out in place of the canvas. */
  summary: string;
  config: ChartConfiguration;
  headers: string[];
  rows: Child[][];
  testid: string;
}

/** A figure: heading, canvas (role img with the summary) and the data as a table. */
export function chartFigure(block: ChartBlock, signal: AbortSignal): HTMLElement {
  const id = uid("chart");
  const canvas = h("canvas", { role: "img", "aria-label": `${block.title}. ${block.summary}`, "aria-describedby": `${id}-summary` });
  const figure = h(
    "figure",
    { class: "chart", "data-testid": block.testid },
    h("figcaption", null, h("h3", null, block.title), h("p", { id: `${id}-summary`, class: "help" }, block.summary)),
    h("div", { class: "chart-box" }, canvas),
    h("details", null, h("summary", null, "Data table"), table(block.title, block.headers, block.rows)),
  );
  // Chart.js needs the canvas in the document to size it: create on the next frame.
  requestAnimationFrame(() => {
    if (signal.aborted) return;
    const chart = new Chart(canvas, { ...block.config, options: { responsive: true, maintainAspectRatio: false, animation: false, ...block.config.options } });
    signal.addEventListener("abort", () => chart.destroy(), { once: true });
  });
  return figure;
}
