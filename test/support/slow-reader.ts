/**
 * A client that reads an HTTP answer slowly, as a browser tab on a poor link or a script piping to
 * a slow disk does: it waits before reading at all, then reads a slice and pauses, so the server
 * cannot hand it the answer faster than it reads. It keeps only a digest of the body, so its own
 * memory does not grow with what it reads.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import http from 'node:http';
import { freestyleXml } from './steward-process.js';

export interface SlowRead {
  status: number;
  headers: http.IncomingHttpHeaders;
  bytes: number;
  /** sha256 of the body, hex. */
  sha256: string;
}

export interface SlowReadOptions {
  /** How long the answer is left unread at first, in ms. */
  holdMs: number;
  /** Bytes read between pauses. */
  sliceBytes: number;
  /** Length of each pause, in ms. */
  pauseMs: number;
}

export function slowRead(url: string, authorization: string | undefined, o: SlowReadOptions): Promise<SlowRead> {
  return new Promise((resolve, reject) => {
    const req = http.get(url, { agent: false, headers: authorization === undefined ? {} : { authorization } }, (res) => {
      const hash = createHash('sha256');
      let bytes = 0;
      let sincePause = 0;
      res.pause();
      const resume = (): void => {
        if (!res.destroyed) res.resume();
      };
      setTimeout(resume, o.holdMs);
      res.on('data', (chunk: Buffer) => {
        hash.update(chunk);
        bytes += chunk.length;
        sincePause += chunk.length;
        if (sincePause >= o.sliceBytes) {
          sincePause = 0;
          res.pause();
          setTimeout(resume, o.pauseMs);
        }
      });
      res.once('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, bytes, sha256: hash.digest('hex') }));
      res.once('error', reject);
    });
    req.once('error', reject);
  });
}

/** The resident set size of a process, in bytes (VmRSS of /proc/PID/status). */
export function residentBytes(pid: number): number {
  const m = /^VmRSS:\s+(\d+)\s+kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  if (m === null) throw new Error(`no VmRSS for process ${pid}`);
  return Number(m[1]) * 1024;
}

/** Samples a process's resident set size every `everyMs` until stopped; the highest seen. */
export function watchResident(pid: number, everyMs = 50): { stop(): number } {
  let peak = residentBytes(pid);
  const timer = setInterval(() => {
    try {
      peak = Math.max(peak, residentBytes(pid));
    } catch {
      // The process ended; the peak so far stands.
    }
  }, everyMs);
  return {
    stop() {
      clearInterval(timer);
      return peak;
    },
  };
}

/**
 * A job whose build prints `size` bytes of log fast and archives a `size`-byte file `big.bin`:
 * what the log-streams test and bench read slowly.
 */
export function bigLogJobXml(size: number): string {
  const archiver = `<publishers>
    <hudson.tasks.ArtifactArchiver>
      <artifacts>big.bin</artifacts>
      <allowEmptyArchive>false</allowEmptyArchive>
      <onlyIfSuccessful>false</onlyIfSuccessful>
      <fingerprint>false</fingerprint>
    </hudson.tasks.ArtifactArchiver>
  </publishers>`;
  const command = `yes 'a line of a long build log, written quickly 0123456789abcdefghijklmnopqrstuvwxyz' | head -c ${size}\nhead -c ${size} /dev/urandom > big.bin`;
  return freestyleXml({ command }).replace('<publishers/>', archiver);
}
