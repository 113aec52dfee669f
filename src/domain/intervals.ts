// Closed integer interval sets (read state, docs/storage.md). Pure; the repository stores
// them and these functions compute what changes.
export type Interval = [number, number];

/** Sorts and merges overlapping or adjacent intervals. */
export function normalize(list: Interval[]): Interval[] {
  const s = list.filter(([a, b]) => a <= b).map(([a, b]) => [a, b] as Interval).sort((x, y) => x[0] - y[0]);
  const out: Interval[] = [];
  for (const iv of s) {
    const last = out[out.length - 1];
    if (last && iv[0] <= last[1] + 1) last[1] = Math.max(last[1], iv[1]);
    else out.push(iv);
  }
  return out;
}

/** Ids as a minimal interval list. */
export function fromIds(ids: number[]): Interval[] {
  return normalize(ids.map((i) => [i, i] as Interval));
}

export function union(a: Interval[], b: Interval[]): Interval[] {
  return normalize([...a, ...b]);
}

/** a minus b */
export function subtract(a: Interval[], b: Interval[]): Interval[] {
  const out: Interval[] = [];
  const bs = normalize(b);
  for (const [s0, e] of normalize(a)) {
    let s = s0;
    for (const [bs0, be] of bs) {
      if (be < s || bs0 > e) continue;
      if (bs0 > s) out.push([s, bs0 - 1]);
      s = Math.max(s, be + 1);
      if (s > e) break;
    }
    if (s <= e) out.push([s, e]);
  }
  return out;
}

export function contains(list: Interval[], id: number): boolean {
  // binary search over sorted disjoint intervals
  let lo = 0, hi = list.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const [a, b] = list[mid]!;
    if (id < a) hi = mid - 1;
    else if (id > b) lo = mid + 1;
    else return true;
  }
  return false;
}
