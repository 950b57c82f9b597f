/**
 * Queue scheduling cost per decision: one executorFreed -> one dispatch, with 10,000 buildable
 * items across ~50 label expressions and 100 executors on 20 nodes. Items are refilled as they are
 * dispatched so the queue stays at 10,000. Pure in-memory logic with a fake clock.
 *
 * Then the other end: an item arriving while 200 nodes are idle, so that the load balancer chooses
 * among 200 candidates (schedule -> dispatch; the build ends at once, so every node stays idle).
 *
 *   node --import tsx bench/queue-scheduling.ts [decisions]
 */
import os from 'node:os';
import { parseLabelExpression, type LabelExpression } from '../src/nodes/label/index.js';
import { Queue, type NodeView, type PendingItem, type QueueHost, type QueueTask } from '../src/queue/index.js';

const ITEMS = 10_000;
const NODES = 20;
const EXECUTORS_PER_NODE = 5;
const DECISIONS = Number(process.argv[2] ?? 100_000);
const WARMUP = 10_000;

let seed = 42;
function random(): number {
  seed = (seed * 1103515245 + 12345) % 2 ** 31;
  return seed / 2 ** 31;
}
function pick<T>(xs: readonly T[]): T {
  return xs[Math.floor(random() * xs.length)] as T;
}

class BenchNode implements NodeView {
  busy = EXECUTORS_PER_NODE;
  readonly online = true;
  readonly mode = 'NORMAL';
  constructor(
    readonly name: string,
    readonly labels: ReadonlySet<string>,
  ) {}
  idleExecutors(): number {
    return EXECUTORS_PER_NODE - this.busy;
  }
}

const osLabels = ['linux', 'windows', 'mac'];
const archLabels = ['x64', 'arm64'];
const tools = ['docker', 'podman', 'jdk11', 'jdk17', 'jdk21', 'node18', 'node20', 'python3', 'gpu', 'large'];

const nodes: BenchNode[] = [];
for (let n = 0; n < NODES; n++) {
  const labels = new Set([`agent-${n}`, osLabels[n % 3] as string, archLabels[n % 2] as string]);
  for (const t of tools) if (random() < 0.4) labels.add(t);
  nodes.push(new BenchNode(`agent-${n}`, labels));
}

// ~50 distinct expressions, each matched by at least one node.
const forms: ((o: string, a: string, b: string) => string)[] = [
  (o, a) => `${o} && ${a}`,
  (o, a, b) => `${o} && (${a} || ${b})`,
  (o, a) => `!${o} && ${a}`,
  (o, a, b) => `(${a} -> ${b}) && ${o}`,
  (_o, a, b) => `${a} && !${b}`,
  (o, a) => `${o} && x64 && ${a}`,
];
const expressions = new Map<string, LabelExpression>();
while (expressions.size < 50) {
  const e = parseLabelExpression(pick(forms)(pick(osLabels), pick(tools), pick(tools)));
  if (nodes.some((n) => e.matches(n.labels))) expressions.set(e.text, e);
}
const labelChoices: (LabelExpression | undefined)[] = [undefined, ...expressions.values()];

const tasks = new Map<string, QueueTask>();
for (let j = 0; j < 500; j++) {
  const name = `job-${j}`;
  tasks.set(name, { name, priority: 1 + (j % 5), label: labelChoices[j % labelChoices.length], concurrentBuild: true, disabled: false });
}
const taskNames = [...tasks.keys()];

let clock = 1_700_000_000_000;
let timers: { at: number; fn: () => void; cancelled: boolean }[] = [];
let lastDispatch: { item: PendingItem; node: BenchNode } | undefined;

const host: QueueHost = {
  task: (name) => tasks.get(name),
  isBuilding: () => false,
  nodes: () => nodes,
  dispatch(item, node) {
    const n = node as BenchNode;
    n.busy += 1;
    lastDispatch = { item, node: n };
  },
  changed() {},
  now: () => clock,
  setTimer(ms, fn) {
    const t = { at: clock + ms, fn, cancelled: false };
    timers.push(t);
    return { cancel: () => void (t.cancelled = true) };
  },
};

function fireTimers(): void {
  const due = timers.filter((t) => !t.cancelled && t.at <= clock);
  timers = timers.filter((t) => !t.cancelled && t.at > clock);
  for (const t of due) t.fn();
}

const queue = new Queue({ host });
let param = 0;
function refill(): void {
  queue.schedule({ task: pick(taskNames), parameters: [{ name: 'N', value: String(param++), sensitive: false }], cause: { kind: 'timer', shortDescription: 'Started by timer' }, quietPeriodMs: 0 });
}
for (let i = 0; i < ITEMS; i++) refill();

const samples = new Float64Array(DECISIONS);
let measured = 0;
let idleTurns = 0;
for (let i = 0; measured < DECISIONS; i++) {
  const node = pick(nodes);
  node.busy -= 1;
  lastDispatch = undefined;
  const t0 = process.hrtime.bigint();
  queue.executorFreed(node.name);
  const t1 = process.hrtime.bigint();
  if (lastDispatch === undefined) {
    // nothing this node can run: give the executor back and try another node
    node.busy += 1;
    idleTurns += 1;
    continue;
  }
  if (i >= WARMUP) samples[measured++] = Number(t1 - t0) / 1e6;
  const { item } = lastDispatch as { item: PendingItem; node: BenchNode };
  queue.started(item.id, item.id);
  clock += 5;
  fireTimers();
  refill();
}

const sorted = Array.from(samples).sort((a, b) => a - b);
const mean = sorted.reduce((a, b) => a + b, 0) / sorted.length;
const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] as number;
const fmt = (ms: number) => `${(ms * 1000).toFixed(2)} µs`;
console.log(`queue scheduling: ${DECISIONS} decisions (executorFreed -> dispatch), ${ITEMS} buildable items, ${expressions.size} label expressions + any, ${NODES} nodes x ${EXECUTORS_PER_NODE} executors`);
console.log(`  mean ${fmt(mean)}  p50 ${fmt(at(0.5))}  p99 ${fmt(at(0.99))}  max ${fmt(at(1))}  (goal: mean and p99 < 100 µs)`);
console.log(`  queue size at end: ${queue.items().length}; executorFreed calls with nothing to run: ${idleTurns}`);
queue.close();

// --- an item arriving with 200 idle nodes --------------------------------------------------------
const IDLE_NODES = 200;
const ARRIVALS = Math.max(1_000, Math.floor(DECISIONS / 10));
const idle: BenchNode[] = [];
for (let n = 0; n < IDLE_NODES; n++) {
  const node = new BenchNode(`idle-${n}`, new Set([`idle-${n}`, 'linux']));
  node.busy = 0;
  idle.push(node);
}
const wide = new Map<string, QueueTask>([['wide', { name: 'wide', priority: 3, label: undefined, concurrentBuild: true, disabled: false }]]);
let placed: { item: PendingItem; node: BenchNode } | undefined;
const idleHost: QueueHost = {
  ...host,
  task: (name) => wide.get(name),
  nodes: () => idle,
  dispatch(item, node) {
    const n = node as BenchNode;
    n.busy += 1;
    placed = { item, node: n };
  },
};
const spread = new Queue({ host: idleHost });
const arrivals = new Float64Array(ARRIVALS);
for (let i = 0; i < ARRIVALS + WARMUP / 10; i++) {
  placed = undefined;
  const t0 = process.hrtime.bigint();
  spread.schedule({ task: 'wide', parameters: [{ name: 'N', value: String(i), sensitive: false }], cause: { kind: 'timer', shortDescription: 'Started by timer' }, quietPeriodMs: 0 });
  const t1 = process.hrtime.bigint();
  if (placed === undefined) throw new Error('an arriving item was not placed on an idle node');
  if (i >= WARMUP / 10) arrivals[i - WARMUP / 10] = Number(t1 - t0) / 1e6;
  const { item, node } = placed as { item: PendingItem; node: BenchNode };
  spread.started(item.id, item.id);
  node.busy -= 1;
  spread.executorFreed(node.name);
}
spread.close();
const arrivalsSorted = Array.from(arrivals).sort((a, b) => a - b);
const arrivalAt = (q: number) => arrivalsSorted[Math.min(arrivalsSorted.length - 1, Math.floor(q * arrivalsSorted.length))] as number;
const arrivalMean = arrivalsSorted.reduce((a, b) => a + b, 0) / arrivalsSorted.length;
console.log(`queue placement: ${ARRIVALS} items arriving (schedule -> dispatch) with ${IDLE_NODES} idle nodes, the default load balancer choosing among them`);
console.log(`  mean ${fmt(arrivalMean)}  p50 ${fmt(arrivalAt(0.5))}  p99 ${fmt(arrivalAt(0.99))}  max ${fmt(arrivalAt(1))}  (goal: mean and p99 < 100 µs)`);
console.log(`  machine: ${os.cpus()[0]?.model ?? 'unknown cpu'} x${os.cpus().length}, node ${process.version}, ${os.platform()} ${os.arch()}`);
