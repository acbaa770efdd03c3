// Latency-bounded throughput (issue 19): the highest steady offered rate at which the
// produce→provider p99 stays within a bound for a whole window. A bisection over rates between
// a rate known to hold (or 0) and one known not to (or the backlog's own events/s, which a steady
// load cannot exceed for long), bounded in probes so the phase takes a known time.

export interface Probe {
  /** Offered rate asked for, events/s. */
  rate: number;
  /** Rate the producer achieved. */
  achieved: number;
  p99Ms: number;
  messages: number;
  loadavg1?: number;
}

export async function searchSustainedRate(
  probe: (rate: number) => Promise<Probe>,
  opts: { maxRate: number; boundMs: number; steps: number; known?: Probe[] },
): Promise<{ sustained: number; probes: Probe[] }> {
  const probes: Probe[] = [...(opts.known ?? [])];
  const holds = (p: Probe) => p.messages > 0 && p.p99Ms <= opts.boundMs;
  let lo = 0;
  let hi = opts.maxRate;
  for (const p of probes) {
    if (holds(p)) lo = Math.max(lo, p.achieved);
    else hi = Math.min(hi, p.rate);
  }
  for (let i = 0; i < opts.steps && hi - lo > opts.maxRate / 50; i++) {
    const rate = (lo + hi) / 2;
    const p = await probe(rate);
    probes.push(p);
    if (holds(p)) lo = p.achieved;
    else hi = rate;
  }
  return { sustained: lo, probes };
}
