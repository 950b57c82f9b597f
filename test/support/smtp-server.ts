/**
 * A real SMTP server for tests (TEST-SERVERS.md): the smtp-server package in a process of its own
 * (smtp-server-process.ts), on a free loopback port, keeping every mail it accepts in its
 * temporary directory. `mails()` reads them back decoded, as a mail client shows them.
 */
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ServerProcess, serverDir, type ServerCommand } from './server-process.js';
import { freePort, portOpen } from './tcp-proxy.js';

const CHILD = path.join(path.dirname(fileURLToPath(import.meta.url)), 'smtp-server-process.ts');

/** A mail as received: envelope, headers (lower-case names, decoded) and the decoded body. */
export interface ReceivedMail {
  from: string;
  to: string[];
  /** The SMTP user it was sent as, null without AUTH. */
  user: string | null;
  headers: Record<string, string>;
  subject: string;
  body: string;
  raw: string;
}

export class SmtpServer extends ServerProcess {
  readonly port: number;
  readonly host = '127.0.0.1';
  readonly #auth: { user: string; password: string } | undefined;

  private constructor(dir: string, port: number, auth: { user: string; password: string } | undefined) {
    super(dir, { name: 'smtp-server', readyTimeoutMs: 15_000 });
    this.port = port;
    this.#auth = auth;
  }

  /** Starts a server; with `auth`, it takes mail only from that user. */
  static async start(auth?: { user: string; password: string }): Promise<SmtpServer> {
    const server = new SmtpServer(await serverDir('steward-smtp-'), await freePort(), auth);
    await server.open();
    return server;
  }

  protected override command(): ServerCommand {
    const auth = this.#auth === undefined ? [] : [this.#auth.user, this.#auth.password];
    return { file: process.execPath, args: ['--import', import.meta.resolve('tsx'), CHILD, String(this.port), this.dir, ...auth], debianPackage: 'nodejs' };
  }

  protected override isReady(): Promise<boolean> {
    return portOpen(this.port);
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.stop();
  }

  /** The mails received so far, oldest first. */
  async mails(): Promise<ReceivedMail[]> {
    const names = (await readdir(this.dir)).filter((n) => /^mail-\d+\.json$/.test(n)).sort();
    const out: ReceivedMail[] = [];
    for (const n of names) out.push(decodeMail(JSON.parse(await readFile(path.join(this.dir, n), 'utf8')) as { from: string; to: string[]; user: string | null; raw: string }));
    return out;
  }
}

/** Decodes RFC 2047 encoded words (`=?UTF-8?Q?...?=`, `=?UTF-8?B?...?=`) of a header. */
function decodeWords(text: string): string {
  return text.replace(/=\?([^?]+)\?([QqBb])\?([^?]*)\?=(\s+(?==\?))?/g, (_all, _charset: string, enc: string, data: string) =>
    enc.toUpperCase() === 'B' ? Buffer.from(data, 'base64').toString('utf8') : decodeQuotedPrintable(data.replaceAll('_', ' ')),
  );
}

function decodeQuotedPrintable(text: string): string {
  const bytes: number[] = [];
  const soft = text.replace(/=\r?\n/g, '');
  for (let i = 0; i < soft.length; i++) {
    const c = soft[i]!;
    if (c === '=' && /^[0-9A-Fa-f]{2}$/.test(soft.slice(i + 1, i + 3))) {
      bytes.push(parseInt(soft.slice(i + 1, i + 3), 16));
      i += 2;
    } else bytes.push(...Buffer.from(c, 'utf8'));
  }
  return Buffer.from(bytes).toString('utf8');
}

function decodeMail(m: { from: string; to: string[]; user: string | null; raw: string }): ReceivedMail {
  const split = m.raw.indexOf('\r\n\r\n');
  const head = m.raw.slice(0, split).replace(/\r\n[ \t]+/g, ' ');
  const rawBody = m.raw.slice(split + 4);
  const headers: Record<string, string> = {};
  for (const line of head.split('\r\n')) {
    const colon = line.indexOf(':');
    if (colon > 0) headers[line.slice(0, colon).toLowerCase()] = decodeWords(line.slice(colon + 1).trim());
  }
  const encoding = (headers['content-transfer-encoding'] ?? '7bit').toLowerCase();
  const body =
    encoding === 'base64' ? Buffer.from(rawBody, 'base64').toString('utf8') : encoding === 'quoted-printable' ? decodeQuotedPrintable(rawBody) : rawBody;
  return { from: m.from, to: m.to, user: m.user, headers, subject: headers.subject ?? '', body: body.replace(/\r\n/g, '\n'), raw: m.raw };
}
