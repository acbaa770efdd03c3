import { readFileSync } from 'node:fs';

// Summarises a V8 .cpuprofile: self time by area (Kabar's own files, each npm package, Node
// internals, GC) and the hottest functions, so the profile reads without DevTools.

interface Node {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
interface Profile {
  nodes: Node[];
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

export interface ProfileSummary {
  totalMs: number;
  busyMs: number;
  byArea: [string, number][];
  byFunction: [string, number][];
  bySrcFile: [string, number][];
}

function area(url: string, fn: string): string {
  if (!url) return fn.startsWith('(') ? fn : '(native)';
  const nm = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (nm) return nm[1]!;
  if (url.startsWith('node:')) return 'node:internal';
  const src = /\/(src|bench|test)\/(.*)$/.exec(url);
  if (src) return `${src[1]}/`;
  return url.replace(/^file:\/\//, '');
}

function shortUrl(url: string): string {
  const nm = /node_modules\/((?:@[^/]+\/)?[^/]+)\/(.*)$/.exec(url);
  if (nm) return `${nm[1]}/${nm[2]!.split('/').slice(-1)[0]}`;
  const src = /\/((?:src|bench|test)\/.*)$/.exec(url);
  return src ? src[1]! : url.replace(/^file:\/\//, '');
}

export function summarizeProfile(file: string, top = 25): ProfileSummary {
  const p = JSON.parse(readFileSync(file, 'utf8')) as Profile;
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const self = new Map<number, number>();
  for (let i = 0; i < p.samples.length; i++) {
    const dt = (p.timeDeltas[i + 1] ?? p.timeDeltas[i] ?? 0) / 1000;
    self.set(p.samples[i]!, (self.get(p.samples[i]!) ?? 0) + dt);
  }
  const areas = new Map<string, number>();
  const fns = new Map<string, number>();
  const srcFiles = new Map<string, number>();
  let total = 0;
  let idle = 0;
  for (const [id, ms] of self) {
    const n = byId.get(id)!;
    const { functionName, url, lineNumber } = n.callFrame;
    total += ms;
    if (functionName === '(idle)') {
      idle += ms;
      continue;
    }
    const a = area(url, functionName);
    areas.set(a, (areas.get(a) ?? 0) + ms);
    const key = `${functionName || '(anonymous)'} ${url ? `${shortUrl(url)}:${lineNumber + 1}` : ''}`.trim();
    fns.set(key, (fns.get(key) ?? 0) + ms);
    if (a === 'src/') srcFiles.set(shortUrl(url), (srcFiles.get(shortUrl(url)) ?? 0) + ms);
  }
  const sorted = (m: Map<string, number>) => [...m.entries()].sort((a, b) => b[1] - a[1]);
  return {
    totalMs: total,
    busyMs: total - idle,
    byArea: sorted(areas).slice(0, top),
    byFunction: sorted(fns).slice(0, top),
    bySrcFile: sorted(srcFiles).slice(0, top),
  };
}

export function printProfile(s: ProfileSummary, out: (line: string) => void = (l) => process.stdout.write(`${l}\n`)) {
  const pct = (ms: number) => `${((100 * ms) / s.busyMs).toFixed(1).padStart(5)}%`;
  out(
    `CPU profile: ${(s.totalMs / 1000).toFixed(1)} s sampled, ${(s.busyMs / 1000).toFixed(1)} s busy (${((100 * s.busyMs) / s.totalMs).toFixed(0)}%); shares below are of busy time`,
  );
  out('  self time by area:');
  for (const [k, ms] of s.byArea.slice(0, 15)) out(`    ${pct(ms)}  ${k}`);
  out('  Kabar source files (self time):');
  for (const [k, ms] of s.bySrcFile.slice(0, 10)) out(`    ${pct(ms)}  ${k}`);
  out('  hottest functions (self time):');
  for (const [k, ms] of s.byFunction.slice(0, 25)) out(`    ${pct(ms)}  ${k}`);
}
