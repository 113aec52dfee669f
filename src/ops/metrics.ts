// Prometheus metrics: a tiny registry (counters, gauges, histograms with labels) rendered
// in the text exposition format at GET /metrics. The hot path only increments numbers in a
// Map; everything else (memory, pool, other areas' stats) is collected at scrape time by
// collectors, which is how the events and jobs areas plug in: registerCollector(fn).

export type Labels = Record<string, string | number>;

/** One sample a collector returns. Samples with the same name are grouped under one HELP/TYPE. */
export interface Sample {
  name: string;
  value: number;
  type?: "gauge" | "counter";
  help?: string;
  labels?: Labels;
}

export type Collector = () => Sample[] | Promise<Sample[]>;

function escapeLabel(v: string) {
  return v.replace(/\\/g, "\\\\").replace(/\n/g, "\\n").replace(/"/g, '\\"');
}

function labelKey(labels?: Labels): string {
  if (!labels) return "";
  const parts = Object.entries(labels).map(([k, v]) => `${k}="${escapeLabel(String(v))}"`);
  return parts.length ? `{${parts.join(",")}}` : "";
}

function fmt(n: number): string {
  if (Number.isNaN(n)) return "NaN";
  if (n === Infinity) return "+Inf";
  if (n === -Infinity) return "-Inf";
  return String(n);
}

export class Counter {
  readonly values = new Map<string, number>();
  constructor(readonly name: string, readonly help: string) {}
  inc(labels?: Labels, n = 1) {
    const k = labelKey(labels);
    this.values.set(k, (this.values.get(k) ?? 0) + n);
  }
  get(labels?: Labels) {
    return this.values.get(labelKey(labels)) ?? 0;
  }
  /** A child bound to fixed labels: the label string is built once, not per increment. */
  bind(labels: Labels): { inc(n?: number): void } {
    const k = labelKey(labels);
    return { inc: (n = 1) => void this.values.set(k, (this.values.get(k) ?? 0) + n) };
  }
  render(): string[] {
    const out = [`# HELP ${this.name} ${this.help}`, `# TYPE ${this.name} counter`];
    for (const [k, v] of this.values) out.push(`${this.name}${k} ${fmt(v)}`);
    return out;
  }
}

export const DEFAULT_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];

export class Histogram {
  private series = new Map<string, { counts: number[]; sum: number; count: number }>();
  constructor(readonly name: string, readonly help: string, readonly buckets: number[] = DEFAULT_BUCKETS) {}
  observe(labels: Labels | undefined, seconds: number) {
    this.observeKey(labelKey(labels), seconds);
  }
  /** A child bound to fixed labels (see Counter.bind). */
  bind(labels: Labels): { observe(seconds: number): void } {
    const k = labelKey(labels);
    return { observe: (seconds) => this.observeKey(k, seconds) };
  }
  private observeKey(k: string, seconds: number) {
    let s = this.series.get(k);
    if (!s) this.series.set(k, (s = { counts: new Array(this.buckets.length).fill(0), sum: 0, count: 0 }));
    // Counts are per bucket here and made cumulative when rendered.
    let i = 0;
    while (i < this.buckets.length && seconds > this.buckets[i]!) i++;
    if (i < this.buckets.length) s.counts[i]!++;
    s.sum += seconds;
    s.count++;
  }
  count(labels?: Labels) {
    return this.series.get(labelKey(labels))?.count ?? 0;
  }
  render(): string[] {
    const out = [`# HELP ${this.name} ${this.help}`, `# TYPE ${this.name} histogram`];
    for (const [k, s] of this.series) {
      const inner = k ? k.slice(1, -1) + "," : "";
      let cum = 0;
      this.buckets.forEach((b, i) => {
        cum += s.counts[i]!;
        out.push(`${this.name}_bucket{${inner}le="${fmt(b)}"} ${cum}`);
      });
      out.push(`${this.name}_bucket{${inner}le="+Inf"} ${s.count}`);
      out.push(`${this.name}_sum${k} ${fmt(s.sum)}`);
      out.push(`${this.name}_count${k} ${s.count}`);
    }
    return out;
  }
}

export class Metrics {
  private counters: Counter[] = [];
  private histograms: Histogram[] = [];
  private collectors: Collector[] = [];

  counter(name: string, help: string): Counter {
    const c = new Counter(name, help);
    this.counters.push(c);
    return c;
  }

  histogram(name: string, help: string, buckets?: number[]): Histogram {
    const h = new Histogram(name, help, buckets);
    this.histograms.push(h);
    return h;
  }

  /** Adds samples computed at scrape time. Returns a function that removes the collector. */
  registerCollector(fn: Collector): () => void {
    this.collectors.push(fn);
    return () => {
      this.collectors = this.collectors.filter((c) => c !== fn);
    };
  }

  /**
   * Exposes a stats object's numeric fields as gauges named `<prefix>_<field>` (nested
   * objects become labels-free `<prefix>_<a>_<b>`): `registerStats("hearth_jobs", () => jobs.stats())`.
   */
  registerStats(prefix: string, stats: () => Record<string, unknown> | Promise<Record<string, unknown>>, help = "") {
    return this.registerCollector(async () => {
      const out: Sample[] = [];
      const walk = (obj: Record<string, unknown>, name: string) => {
        for (const [k, v] of Object.entries(obj)) {
          const n = `${name}_${k.replace(/[^a-zA-Z0-9_]/g, "_")}`;
          if (typeof v === "number" && Number.isFinite(v)) out.push({ name: n, value: v, type: "gauge", help: help || `${prefix} statistic ${k}` });
          else if (typeof v === "boolean") out.push({ name: n, value: v ? 1 : 0, type: "gauge", help: help || `${prefix} statistic ${k}` });
          else if (v && typeof v === "object" && !Array.isArray(v)) walk(v as Record<string, unknown>, n);
        }
      };
      walk(await stats(), prefix);
      return out;
    });
  }

  async render(onCollectorError?: (e: unknown) => void): Promise<string> {
    const lines: string[] = [];
    for (const c of this.counters) lines.push(...c.render());
    for (const h of this.histograms) lines.push(...h.render());
    const groups = new Map<string, Sample[]>();
    for (const fn of this.collectors) {
      let samples: Sample[] = [];
      try {
        samples = await fn();
      } catch (e) {
        onCollectorError?.(e);
        continue;
      }
      for (const s of samples) {
        if (!/^[a-zA-Z_:][a-zA-Z0-9_:]*$/.test(s.name)) continue;
        const g = groups.get(s.name) ?? [];
        g.push(s);
        groups.set(s.name, g);
      }
    }
    for (const [name, samples] of groups) {
      const first = samples[0]!;
      lines.push(`# HELP ${name} ${(first.help ?? name).replace(/\n/g, " ")}`, `# TYPE ${name} ${first.type ?? "gauge"}`);
      for (const s of samples) lines.push(`${name}${labelKey(s.labels)} ${fmt(s.value)}`);
    }
    return lines.join("\n") + "\n";
  }
}

/**
 * Event-loop lag: how late a timer fires. The maximum since the last scrape is what a
 * long GC pause or a synchronous hot spot shows up as.
 */
export function eventLoopLag(intervalMs = 500) {
  let last = performance.now();
  let max = 0;
  let current = 0;
  const timer = setInterval(() => {
    const now = performance.now();
    current = Math.max(0, now - last - intervalMs) / 1000;
    if (current > max) max = current;
    last = now;
  }, intervalMs);
  (timer as { unref?: () => void }).unref?.();
  return {
    collector: (): Sample[] => {
      const m = max;
      max = current;
      return [
        { name: "hearth_event_loop_lag_seconds", value: current, help: "Event-loop lag at the last measurement" },
        { name: "hearth_event_loop_lag_max_seconds", value: m, help: "Largest event-loop lag since the previous scrape" },
      ];
    },
    stop: () => clearInterval(timer),
  };
}

export function processCollector(startedAt: number): Collector {
  return () => {
    const m = process.memoryUsage();
    return [
      { name: "hearth_process_resident_memory_bytes", value: m.rss, help: "Resident set size" },
      { name: "hearth_process_heap_used_bytes", value: m.heapUsed, help: "JavaScript heap in use" },
      { name: "hearth_process_heap_total_bytes", value: m.heapTotal, help: "JavaScript heap size" },
      { name: "hearth_process_start_time_seconds", value: Math.floor(startedAt / 1000), help: "Start time since the epoch" },
      { name: "hearth_process_uptime_seconds", value: (Date.now() - startedAt) / 1000, help: "Seconds since start" },
    ];
  };
}
