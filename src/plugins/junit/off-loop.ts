import { Worker } from 'node:worker_threads';
import { StewardError, type ErrorCode } from '../../errors/index.js';
import type { WorkerRequest } from './junit-worker.js';
import { parseTestResult } from './junit-result-file.js';
import { parseReport, type ReadOptions } from './report-parser.js';
import type { SuiteResult, TestResult } from './test-result.js';

/*
 * Large reports and results are read on a worker thread, so that the controller's event loop keeps
 * answering (and renewing its lease) meanwhile: fast-xml-parser reads a report at about 7 MB/s
 * here, so the 64 MiB a report may have would hold the loop for seconds. Small ones, most
 * reports, are read in place: a thread costs more than they do.
 */

/** Reports up to this many bytes are read on the event loop (about 35 ms at most). */
export const REPORT_ON_LOOP_BYTES = 256 * 1024;
/** junitResult.xml up to this many characters is read on the event loop (about 20 ms). */
export const RESULT_ON_LOOP_CHARS = 1024 * 1024;
/** A worker's heap: the parse of a report of 64 MiB fits, and it bounds what one read can take. */
const WORKER_HEAP_MB = 2048;

type Reply = { ok: true; json: string } | { ok: false; error: { code: ErrorCode; message: string; file?: string; line?: number; column?: number } };

const here = import.meta.url;
// From the sources (tests), the worker is TypeScript too, and Node 20 loads a worker's entry before
// its `--import tsx` hooks are in place: a one-line entry registers tsx first (as src/xml does).
const fromSources = here.endsWith('.ts');
const WORKER_URL = new URL(fromSources ? './junit-worker.ts' : './junit-worker.js', here);
const workerEntry = (): { entry: URL | string; eval: boolean } =>
  fromSources
    ? { entry: `import(${JSON.stringify(import.meta.resolve('tsx/esm/api'))}).then((tsx) => { tsx.register(); return import(${JSON.stringify(WORKER_URL.href)}); })`, eval: true }
    : { entry: WORKER_URL, eval: false };

/** parseReport, on a worker thread when the report is large; `options.casesLeft` is updated either way. */
export async function parseReportOffLoop(bytes: Buffer, path: string, options: ReadOptions): Promise<SuiteResult[]> {
  if (bytes.length <= REPORT_ON_LOOP_BYTES) return parseReport(bytes, path, options);
  const answer = JSON.parse(await run({ kind: 'report', bytes, path, options: { ...options } }, path)) as { suites: SuiteResult[]; casesLeft: number };
  options.casesLeft = answer.casesLeft;
  return answer.suites;
}

/** parseTestResult, on a worker thread when the file is large. */
export async function parseTestResultOffLoop(text: string, file: string): Promise<TestResult> {
  if (text.length <= RESULT_ON_LOOP_CHARS) return parseTestResult(text, file);
  return JSON.parse(await run({ kind: 'result', text, file }, file)) as TestResult;
}

function run(request: WorkerRequest, what: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const { entry, eval: isCode } = workerEntry();
    const worker = new Worker(entry, { eval: isCode, workerData: request, resourceLimits: { maxOldGenerationSizeMb: WORKER_HEAP_MB } });
    let settled = false;
    worker.once('message', (reply: Reply) => {
      settled = true;
      if (reply.ok) {
        resolve(reply.json);
        return;
      }
      const { code, message, file, line, column } = reply.error;
      reject(new StewardError(code, message, { ...(file === undefined ? {} : { file }), ...(line === undefined ? {} : { line }), ...(column === undefined ? {} : { column }) }));
    });
    worker.once('error', (err: Error & { code?: string }) => {
      if (settled) return;
      settled = true;
      reject(
        err.code === 'ERR_WORKER_OUT_OF_MEMORY'
          ? new StewardError('STW_REQUEST_TOO_LARGE', `${what} needs more than ${WORKER_HEAP_MB} MB to read`, { cause: err })
          : new StewardError('STW_INTERNAL', `${what}: the thread reading it failed: ${err.message}`, { cause: err }),
      );
    });
    worker.once('exit', (code) => {
      if (settled) return;
      settled = true;
      reject(new StewardError('STW_INTERNAL', `${what}: the thread reading it ended (exit code ${code}) without an answer`));
    });
  });
}
