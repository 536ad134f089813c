import { useEffect, useRef } from "react";
import uPlot from "uplot";
import "uplot/dist/uPlot.min.css";
import type { CountersResponse } from "../../api/types";

const COLOURS = ["#2563eb", "#d97706", "#059669", "#db2777", "#7c3aed"];

export function chartData(response: CountersResponse): uPlot.AlignedData {
  const first = response.series[0]?.points ?? [];
  const xs = first.map((p) => Date.parse(`${p.dateHour}Z`) / 1000);
  return [xs, ...response.series.map((s) => s.points.map((p) => p.count))];
}

/** The counters as a line chart, one line per event; redrawn in place when new data arrives. */
export function Chart({ data, onDrawn }: { data: CountersResponse; onDrawn?: () => void }) {
  const box = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot | null>(null);
  const shape = data.series.map((s) => s.event).join("\u0000");
  const drawn = useRef(onDrawn);
  drawn.current = onDrawn;

  useEffect(() => {
    const el = box.current!;
    const dark = window.matchMedia?.("(prefers-color-scheme: dark)").matches;
    const axis = { stroke: dark ? "#cbd5e1" : "#334155", grid: { stroke: dark ? "#334155" : "#e2e8f0" } };
    const opts: uPlot.Options = {
      width: Math.max(280, el.clientWidth),
      height: 280,
      series: [{}, ...data.series.map((s, i) => ({ label: s.event, stroke: COLOURS[i % COLOURS.length], width: 2 }))],
      axes: [axis, axis],
      scales: { x: { time: true } },
      legend: { live: false },
      hooks: { draw: [() => drawn.current?.()] },
    };
    plot.current = new uPlot(opts, chartData(data), el);
    const resize = new ResizeObserver(() => plot.current?.setSize({ width: Math.max(280, el.clientWidth), height: 280 }));
    resize.observe(el);
    return () => {
      resize.disconnect();
      plot.current?.destroy();
      plot.current = null;
    };
    // a new set of series builds a new chart; new points for the same series only redraw it
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [shape]);

  useEffect(() => {
    plot.current?.setData(chartData(data));
  }, [data]);

  return <div ref={box} className="chart" />;
}
