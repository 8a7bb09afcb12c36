/**
 * The latency-throughput curve as an SVG, drawn by Vega-Lite and rendered headless by Vega (no
 * browser, no canvas): hold p95 against the rate achieved, reservations next to the floor, and the
 * release lag p99 against the rate offered.
 */
import * as vega from 'vega';
import { compile, type TopLevelSpec } from 'vega-lite';

export interface CurvePoint {
  series: 'reservation' | 'floor';
  offered: number;
  achieved: number;
  holdP50: number | null;
  holdP95: number | null;
  lagP99: number | null;
}

export async function curveSvg(points: CurvePoint[], title: string): Promise<string> {
  const data = points.flatMap((p) => [
    { ...p, metric: 'hold p95 (ms)', value: p.holdP95, x: p.achieved },
    { ...p, metric: 'release lag p99 (ms)', value: p.lagP99, x: p.offered },
  ]);
  const panel = (metric: string, xTitle: string, threshold: number) => ({
    width: 360,
    height: 260,
    layer: [
      {
        transform: [{ filter: `datum.metric === '${metric}' && datum.value !== null` }],
        mark: { type: 'line' as const, point: true },
        encoding: {
          x: { field: 'x', type: 'quantitative' as const, title: xTitle },
          y: { field: 'value', type: 'quantitative' as const, title: metric, scale: { type: 'log' as const } },
          color: { field: 'series', type: 'nominal' as const, title: null },
        },
      },
      {
        data: { values: [{ threshold }] },
        mark: { type: 'rule' as const, strokeDash: [4, 4], color: 'gray' },
        encoding: { y: { field: 'threshold', type: 'quantitative' as const } },
      },
    ],
  });
  const spec: TopLevelSpec = {
    $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
    title,
    data: { values: data },
    hconcat: [panel('hold p95 (ms)', 'achieved holds/s', 100), panel('release lag p99 (ms)', 'offered holds/s', 1000)],
  } as TopLevelSpec;
  const view = new vega.View(vega.parse(compile(spec).spec), { renderer: 'none' });
  return view.toSVG();
}
