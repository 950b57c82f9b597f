import { request } from 'node:http';

/**
 * A POST with `Expect: 100-continue`, as curl sends large bodies. The controller refuses a body
 * over its limit from the Content-Length alone and closes the connection, so the body is sent
 * only if no answer has come a moment after the 100 Continue (fetch, which sends at once, sees
 * the closed connection as a failure).
 */
export function postExpectingContinue(url: URL, headers: Record<string, string>, body: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: 'POST', headers: { ...headers, expect: '100-continue', 'content-length': String(Buffer.byteLength(body)) } });
    let answered = false;
    req.on('continue', () => setTimeout(() => answered || req.end(body), 1000));
    req.on('response', (res) => {
      answered = true;
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
    });
    req.on('error', (err) => {
      if (!answered) reject(err);
    });
  });
}
