/** Latency statistics. Every sample is kept: a run is a few thousand requests, so exact percentiles are cheap. */

export interface Percentiles {
  count: number;
  p50_ms: number | null;
  p95_ms: number | null;
  p99_ms: number | null;
  max_ms: number | null;
  mean_ms: number | null;
}

/** Nearest-rank percentile of an ascending array: the smallest sample with at least q of the samples at or below it. */
export function percentile(sorted: readonly number[], q: number): number | null {
  if (sorted.length === 0) return null;
  const rank = Math.ceil(q * sorted.length);
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))] ?? null;
}

function round(value: number | null): number | null {
  return value === null ? null : Math.round(value * 10) / 10;
}

export function summarize(samples: readonly number[]): Percentiles {
  const sorted = [...samples].sort((a, b) => a - b);
  const sum = sorted.reduce((acc, v) => acc + v, 0);
  return {
    count: sorted.length,
    p50_ms: round(percentile(sorted, 0.5)),
    p95_ms: round(percentile(sorted, 0.95)),
    p99_ms: round(percentile(sorted, 0.99)),
    max_ms: round(sorted.length > 0 ? (sorted[sorted.length - 1] ?? null) : null),
    mean_ms: round(sorted.length > 0 ? sum / sorted.length : null),
  };
}

/** Samples with the time they completed, so the progress line can show the last second's rate. */
export class LatencyLog {
  private readonly samples: number[] = [];
  private readonly completedAt: number[] = [];

  add(latencyMs: number, now = performance.now()): void {
    this.samples.push(latencyMs);
    this.completedAt.push(now);
  }

  get count(): number {
    return this.samples.length;
  }

  /** Completions within the last `windowMs`; completion times are appended in order, so scan from the end. */
  countSince(windowMs: number, now = performance.now()): number {
    let n = 0;
    for (let i = this.completedAt.length - 1; i >= 0 && (this.completedAt[i] ?? 0) > now - windowMs; i--) n++;
    return n;
  }

  summary(): Percentiles {
    return summarize(this.samples);
  }
}

/** Counts keyed by a label (status code, error code), in insertion order for stable output. */
export class Counter {
  private readonly counts = new Map<string, number>();

  inc(key: string, by = 1): void {
    this.counts.set(key, (this.counts.get(key) ?? 0) + by);
  }

  get(key: string): number {
    return this.counts.get(key) ?? 0;
  }

  toJSON(): Record<string, number> {
    return Object.fromEntries([...this.counts.entries()].sort(([a], [b]) => a.localeCompare(b)));
  }
}

export function perSecond(count: number, ms: number): number {
  return ms > 0 ? Math.round((count / (ms / 1000)) * 10) / 10 : 0;
}
