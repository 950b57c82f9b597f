import { parentPort, workerData } from 'node:worker_threads';
import { coerceError } from '../../errors/index.js';
import { parseTestResult } from './junit-result-file.js';
import { parseReport, type ReadOptions } from './report-parser.js';

/*
 * The worker thread of off-loop.ts: reads one JUnit report or one junitResult.xml and posts what
 * it read as JSON (one string to copy back), or the error; then ends.
 */

export type WorkerRequest =
  | { kind: 'report'; bytes: Uint8Array; path: string; options: ReadOptions }
  | { kind: 'result'; text: string; file: string };

const request = workerData as WorkerRequest;
try {
  if (request.kind === 'report') {
    const suites = parseReport(Buffer.from(request.bytes.buffer, request.bytes.byteOffset, request.bytes.byteLength), request.path, request.options);
    parentPort?.postMessage({ ok: true, json: JSON.stringify({ suites, casesLeft: request.options.casesLeft }) });
  } else {
    parentPort?.postMessage({ ok: true, json: JSON.stringify(parseTestResult(request.text, request.file)) });
  }
} catch (err) {
  parentPort?.postMessage({ ok: false, error: coerceError(err).toJSON() });
}
