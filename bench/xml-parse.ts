/**
 * What the largest XML documents the limits allow cost (src/xml/xml-limits.ts): for each
 * worst case, the time parseXml takes on the event loop, and, with parseXmlOffLoop, the longest
 * the event loop went without running a 1 ms timer (its lag) and the process' peak RSS.
 *
 *   node --import tsx bench/xml-parse.ts
 */
import { XML_LIMITS, parseXml, parseXmlOffLoop } from '../src/xml/index.js';
import { QUICK, machineLine } from './lib.js';

/** Goal: the event loop never waits longer than this for a parse. */
const LAG_GOAL_MS = 100;

const max = XML_LIMITS.maxBytes - 64;
const cases: { name: string; text: string }[] = [
  { name: `${XML_LIMITS.maxElements.toLocaleString('en-US')} empty elements`, text: `<project>${'<a/>'.repeat(XML_LIMITS.maxElements - 1)}</project>` },
  { name: '4 MiB of text in one element', text: `<project><d>${'x'.repeat(max - 30)}</d></project>` },
  { name: '4 MiB of &amp; references', text: `<project><d>${'&amp;'.repeat(Math.floor((max - 30) / 5))}</d></project>` },
  {
    name: `${XML_LIMITS.maxAttributes.toLocaleString('en-US')} attributes, ${XML_LIMITS.maxAttributesPerElement} an element`,
    text: `<project>${`<a${Array.from({ length: XML_LIMITS.maxAttributesPerElement }, (_, i) => ` a${i}="${'v'.repeat(30)}"`).join('')}/>`.repeat(Math.floor(XML_LIMITS.maxAttributes / XML_LIMITS.maxAttributesPerElement))}</project>`,
  },
  { name: '3.9 million <a/> (15.6 MB, refused)', text: `<project>${'<a/>'.repeat(3_900_000)}</project>` },
];

function mib(bytes: number): string {
  return `${(bytes / 2 ** 20).toFixed(1)} MiB`;
}

async function measure(run: () => Promise<unknown>): Promise<{ ms: number; lagMs: number; peakRss: number; outcome: string }> {
  let last = performance.now();
  let lag = 0;
  let peakRss = process.memoryUsage.rss();
  const timer = setInterval(() => {
    const now = performance.now();
    lag = Math.max(lag, now - last);
    last = now;
    peakRss = Math.max(peakRss, process.memoryUsage.rss());
  }, 1);
  const t0 = performance.now();
  let outcome = 'parsed';
  try {
    await run();
  } catch (err) {
    outcome = `refused (${(err as { code?: string }).code ?? String(err)})`;
  }
  const ms = performance.now() - t0;
  lag = Math.max(lag, performance.now() - last);
  clearInterval(timer);
  return { ms, lagMs: lag, peakRss, outcome };
}

console.log('xml-parse: the largest documents the XML limits allow');
console.log(machineLine());
// The lag of an idle event loop on this machine now: what a busy machine adds to every figure.
const idle = await measure(() => new Promise((resolve) => setTimeout(resolve, 2000)));
console.log(`idle event loop for 2 s: lag ${idle.lagMs.toFixed(1)} ms`);
let worst = 0;
for (const c of QUICK ? cases.slice(0, 2) : cases) {
  const bytes = Buffer.byteLength(c.text);
  global.gc?.();
  const onLoop = await measure(async () => parseXml(c.text, 'bench.xml'));
  const offLoop = await measure(() => parseXmlOffLoop(c.text, 'bench.xml'));
  worst = Math.max(worst, offLoop.lagMs);
  console.log(
    `${c.name} (${mib(bytes)}): ${offLoop.outcome}; parseXml ${onLoop.ms.toFixed(0)} ms on the loop; ` +
      `parseXmlOffLoop ${offLoop.ms.toFixed(0)} ms, loop lag ${offLoop.lagMs.toFixed(1)} ms, peak RSS ${mib(offLoop.peakRss)}`,
  );
}
console.log(`worst event loop lag with parseXmlOffLoop: ${worst.toFixed(1)} ms (goal < ${LAG_GOAL_MS} ms)${worst < LAG_GOAL_MS ? '' : ' NOT MET'}`);
