import { Worker } from 'node:worker_threads';
import { StewardError, type ErrorCode } from '../errors/index.js';
import { checkXmlSize, documentOf, parseXml, type RawNode, type XmlDocument } from './xml.js';

/**
 * Text up to this many UTF-16 units is parsed on the event loop: fast-xml-parser takes up to
 * about 1 µs a character on the worst text within the limits (docs/performance.md), so up to
 * about 60 ms here, and starting a thread costs more than that.
 */
export const OFF_LOOP_CHARS = 64 * 1024;

/** At most this many parses run at once: each takes a core, and more would only wait for one while holding memory. */
const MAX_THREADS = 2;

/**
 * A worker's heap: room for the worst documents the limits allow (bench/xml-parse.ts), and a
 * bound on what one parse can take.
 */
const WORKER_HEAP_MB = 512;

type Reply = { ok: true; tree: string; positions: Int32Array } | { ok: false; error: { code: ErrorCode; message: string; file?: string; line?: number; column?: number } };

// The threads in use, and those waiting for one. Shared by whatever parses in this process:
// it bounds CPU, and holds nothing once the parses end.
let busy = 0;
const waiting: (() => void)[] = [];

async function takeThread(): Promise<void> {
  if (busy < MAX_THREADS) {
    busy++;
    return;
  }
  await new Promise<void>((resolve) => waiting.push(resolve));
}

function giveBackThread(): void {
  const next = waiting.shift();
  if (next === undefined) busy--;
  else next();
}

const here = import.meta.url;
// Run from the sources (tests, `steward` without a build), the worker is TypeScript too, and
// Node 20 loads a worker's entry before its `--import tsx` hooks are in place: a one-line entry
// registers tsx first, then imports the worker.
const fromSources = here.endsWith('.ts');
const WORKER_URL = new URL(fromSources ? './xml-worker.ts' : './xml-worker.js', here);
const workerEntry = (): { entry: URL | string; eval: boolean } =>
  fromSources
    ? { entry: `import(${JSON.stringify(import.meta.resolve('tsx/esm/api'))}).then((tsx) => { tsx.register(); return import(${JSON.stringify(WORKER_URL.href)}); })`, eval: true }
    : { entry: WORKER_URL, eval: false };

/**
 * parseXml, with large text parsed on a worker thread so that the event loop keeps answering
 * (`/health/live`, other requests) meanwhile. Same document, same errors. Text over the size limit
 * is refused before any thread starts.
 */
export async function parseXmlOffLoop(text: string, file: string): Promise<XmlDocument> {
  if (text.length <= OFF_LOOP_CHARS) return parseXml(text, file);
  checkXmlSize(text, file);
  await takeThread();
  let reply: Reply;
  try {
    reply = await runWorker(text, file);
  } finally {
    giveBackThread();
  }
  if (!reply.ok) {
    const { code, message, file: where, line, column } = reply.error;
    throw new StewardError(code, message, { ...(where === undefined ? {} : { file: where }), ...(line === undefined ? {} : { line }), ...(column === undefined ? {} : { column }) });
  }
  // JSON: one string to copy, and JSON.parse builds the tree faster than a structured clone's
  // copy of its objects would, on this thread.
  return documentOf(JSON.parse(reply.tree) as RawNode, text, file, reply.positions);
}

function runWorker(text: string, file: string): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const { entry, eval: isCode } = workerEntry();
    const worker = new Worker(entry, {
      eval: isCode,
      workerData: { text, file },
      resourceLimits: { maxOldGenerationSizeMb: WORKER_HEAP_MB },
    });
    let settled = false;
    worker.once('message', (reply: Reply) => {
      settled = true;
      resolve(reply);
    });
    worker.once('error', (err: Error & { code?: string }) => {
      if (settled) return;
      settled = true;
      reject(
        err.code === 'ERR_WORKER_OUT_OF_MEMORY'
          ? new StewardError('STW_REQUEST_TOO_LARGE', `${file} needs more than ${WORKER_HEAP_MB} MB to parse`, { file, cause: err })
          : new StewardError('STW_INTERNAL', `${file}: the XML parser thread failed: ${err.message}`, { file, cause: err }),
      );
    });
    worker.once('exit', (code) => {
      if (settled) return;
      settled = true;
      reject(new StewardError('STW_INTERNAL', `${file}: the XML parser thread ended (exit code ${code}) without an answer`, { file }));
    });
  });
}
