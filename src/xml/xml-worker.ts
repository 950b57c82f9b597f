import { parentPort, workerData } from 'node:worker_threads';
import { coerceError } from '../errors/index.js';
import { packPositions, parseRoot } from './xml.js';

/*
 * The worker thread of parseXmlOffLoop: parses one document and posts its root node as JSON, with
 * the positions packed apart (fast-xml-parser keeps them under a symbol, which a copy drops), or
 * the error; then ends.
 */

const { text, file } = workerData as { text: string; file: string };
try {
  const root = parseRoot(text, file);
  const positions = packPositions(root);
  parentPort?.postMessage({ ok: true, tree: JSON.stringify(root), positions }, [positions.buffer as ArrayBuffer]);
} catch (err) {
  parentPort?.postMessage({ ok: false, error: coerceError(err).toJSON() });
}
