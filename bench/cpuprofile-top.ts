/**
 * Summarises a V8 .cpuprofile (node --cpu-prof): the functions with the most self time, and the
 * share of time idle, in GC and in the program. A helper for reading benchmark profiles, not a
 * benchmark (bench/run.ts does not run it).
 *
 *   node --import tsx bench/cpuprofile-top.ts FILE.cpuprofile [N]
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
  startTime: number;
  endTime: number;
}

const file = process.argv[2];
if (file === undefined) throw new Error('usage: cpuprofile-top.ts FILE.cpuprofile [N]');
const top = Number(process.argv[3] ?? 25);
const p = JSON.parse(readFileSync(file, 'utf8')) as Profile;
const byId = new Map(p.nodes.map((n) => [n.id, n]));
const self = new Map<number, number>();
for (let i = 0; i < p.samples.length; i++) self.set(p.samples[i] as number, (self.get(p.samples[i] as number) ?? 0) + ((p.timeDeltas[i + 1] ?? 0) as number));
const total = p.endTime - p.startTime;

const repo = path.resolve(import.meta.dirname, '..');
const where = (n: ProfileNode) => {
  const url = n.callFrame.url.replace(`file://${repo}/`, '').replace(/^.*node_modules\//, 'node_modules/');
  return url === '' ? '' : `${url}:${n.callFrame.lineNumber + 1}`;
};
const agg = new Map<string, number>();
let idle = 0;
for (const [id, us] of self) {
  const n = byId.get(id) as ProfileNode;
  const name = n.callFrame.functionName || '(anonymous)';
  if (name === '(idle)') idle += us;
  const key = `${name}  ${where(n)}`;
  agg.set(key, (agg.get(key) ?? 0) + us);
}
const busy = total - idle;
console.log(`${path.basename(file)}: ${(total / 1e6).toFixed(2)} s profiled, ${(idle / 1e6).toFixed(2)} s idle, ${(busy / 1e6).toFixed(2)} s on the main thread`);
console.log(`self time (share of non-idle time):`);
for (const [key, us] of [...agg].filter(([k]) => !k.startsWith('(idle)')).sort((a, b) => b[1] - a[1]).slice(0, top)) {
  console.log(`  ${(us / 1e3).toFixed(0).padStart(7)} ms  ${((100 * us) / busy).toFixed(1).padStart(5)}%  ${key}`);
}

// Inclusive time (self + callees; recursion counted once) of the functions in src/ and of a few
// runtime entry points, to attribute GC-heavy or I/O-heavy work to the code that started it.
const parent = new Map<number, number>();
for (const n of p.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
const inclusive = new Map<string, number>();
for (let i = 0; i < p.samples.length; i++) {
  const dt = (p.timeDeltas[i + 1] ?? 0) as number;
  const seen = new Set<string>();
  for (let id: number | undefined = p.samples[i]; id !== undefined; id = parent.get(id)) {
    const n = byId.get(id) as ProfileNode;
    const w = where(n);
    if (!w.startsWith('src/') && !/^(ChildProcess\.spawn|processTicksAndRejections|listOnTimeout|processImmediate)$/.test(n.callFrame.functionName)) continue;
    const key = `${n.callFrame.functionName || '(anonymous)'}  ${w}`;
    if (seen.has(key)) continue;
    seen.add(key);
    inclusive.set(key, (inclusive.get(key) ?? 0) + dt);
  }
}
console.log(`inclusive time of src/ functions (share of non-idle time):`);
for (const [key, us] of [...inclusive].sort((a, b) => b[1] - a[1]).slice(0, top)) {
  console.log(`  ${(us / 1e3).toFixed(0).padStart(7)} ms  ${((100 * us) / busy).toFixed(1).padStart(5)}%  ${key}`);
}
