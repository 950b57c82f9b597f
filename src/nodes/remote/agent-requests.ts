import { createHash, type Hash } from 'node:crypto';
import { Readable } from 'node:stream';
import type { AgentMessage, ControllerMessage, Unversioned } from '../../agent-protocol/index.js';
import { StewardError } from '../../errors/index.js';
import type { RefusedFile } from '../channel.js';
import type { AgentLink } from './remote-channel.js';

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;

/** A request to the agent that gets a plain reply, before its number is given. */
export type RequestBody = DistributiveOmit<Unversioned<Exclude<Extract<ControllerMessage, { req: number }>, { type: 'readFile' | 'fileAck' }>>, 'req'>;

const REFUSED_FILES: readonly RefusedFile[] = ['link', 'missing', 'not-a-file'];

interface PendingRequest {
  readonly kind: string;
  resolve(value: Record<string, unknown>): void;
  reject(err: Error): void;
  /** For readFile: where its bytes go. */
  file?: IncomingFile;
}

interface IncomingFile {
  readonly hash: Hash;
  received: number;
  acked: number;
  /** Set once the first byte arrives or the reply does. */
  stream: Readable | undefined;
  start(): Readable;
  /** The consumer failed: later bytes are acknowledged and dropped. */
  discard: boolean;
}

/**
 * The requests a node's channel makes of its agent (workspace, temporary files, listings, file
 * reads), numbered, each answered by one reply. A file read's bytes arrive as file frames and are
 * acknowledged as the consumer takes them; the stream ends only once their SHA-256 matches the
 * agent's, so a consumer that keeps the file (the archive) keeps none that arrived damaged.
 */
export class AgentRequests {
  readonly #node: string;
  readonly #link: () => AgentLink | undefined;
  readonly #pending = new Map<number, PendingRequest>();
  #next = 1;

  constructor(node: string, link: () => AgentLink | undefined) {
    this.#node = node;
    this.#link = link;
  }

  send(link: AgentLink, m: RequestBody, kind: string): Promise<Record<string, unknown>> {
    const req = this.#next++;
    const value = new Promise<Record<string, unknown>>((resolve, reject) => this.#pending.set(req, { kind, resolve, reject }));
    link.send({ ...m, req } as Unversioned<ControllerMessage>);
    return value;
  }

  /** A reply. Returns why it breaks the protocol, or undefined when taken. */
  reply(m: Extract<AgentMessage, { type: 'reply' }>): string | undefined {
    const r = this.#pending.get(m.req);
    if (r === undefined) return `a reply to request ${m.req}, which is not under way`;
    this.#pending.delete(m.req);
    if (m.ok) r.resolve(m.value);
    else r.reject(new StewardError('STW_AGENT_FAILED', `agent ${this.#node} could not do ${r.kind}: ${m.error}`));
    return undefined;
  }

  /** The connection ended: every request under way fails. */
  failAll(reason: string): void {
    const pending = [...this.#pending.values()];
    this.#pending.clear();
    for (const r of pending) {
      const err = new StewardError('STW_AGENT_DISCONNECTED', `agent ${this.#node} was disconnected during ${r.kind}: ${reason}`);
      r.file?.stream?.destroy(err);
      r.reject(err);
    }
  }

  /** Bytes of a file being read. Returns why it breaks the protocol, or undefined when taken. */
  fileData(req: number, offset: number, payload: Buffer): string | undefined {
    const file = this.#pending.get(req)?.file;
    if (file === undefined) return `file bytes for request ${req}, which is not a file being read`;
    if (offset !== file.received) return `file bytes of request ${req} from offset ${offset}, not ${file.received}`;
    file.received += payload.length;
    file.hash.update(payload);
    if (file.discard) {
      this.#fileAck(req, file, file.received);
      return undefined;
    }
    const stream = file.stream ?? file.start();
    // Acknowledged when the consumer asks for more (the stream's read()), so a slow reader slows the agent.
    if (stream.push(payload)) this.#fileAck(req, file, file.received);
    return undefined;
  }

  async readFile(
    link: AgentLink,
    root: string,
    relativePath: string,
    consume: (bytes: Readable) => Promise<void>,
  ): Promise<{ read: true } | { read: false; refused: RefusedFile }> {
    const req = this.#next++;
    let consumed: Promise<void> | undefined;
    const file: IncomingFile = {
      hash: createHash('sha256'),
      received: 0,
      acked: 0,
      stream: undefined,
      discard: false,
      start: () => {
        const stream = new Readable({ highWaterMark: 256 * 1024, read: () => this.#fileAck(req, file, file.received) });
        file.stream = stream;
        consumed = consume(stream).catch((err: unknown) => {
          file.discard = true;
          this.#fileAck(req, file, file.received);
          throw err;
        });
        // Awaited once the agent has sent the whole file; a consumer failing before then (a
        // full disk, a report over its bound) must not count as an unhandled rejection meanwhile.
        consumed.catch(() => undefined);
        return stream;
      },
    };
    const replied = new Promise<Record<string, unknown>>((resolve, reject) => {
      this.#pending.set(req, { kind: `read ${relativePath}`, resolve, reject, file });
    });
    link.send({ type: 'readFile', req, root, path: relativePath });
    let value: Record<string, unknown>;
    try {
      value = await replied;
    } catch (err) {
      await consumed?.catch(() => undefined);
      throw err;
    }
    if (typeof value.refused === 'string') {
      const refused = value.refused as RefusedFile;
      if (!REFUSED_FILES.includes(refused)) throw new StewardError('STW_AGENT_FAILED', `agent ${this.#node} refused ${relativePath} for an unknown reason`);
      if (file.stream === undefined) return { read: false, refused };
    }
    const stream = file.stream ?? file.start();
    const sha256 = file.hash.digest('hex');
    if (value.size !== file.received || value.sha256 !== sha256) {
      stream.destroy(
        new StewardError('STW_AGENT_FAILED', `${relativePath} from agent ${this.#node} arrived damaged: ${file.received} bytes with SHA-256 ${sha256}, the agent read ${String(value.size)} bytes with ${String(value.sha256)}`),
      );
    } else {
      stream.push(null);
    }
    await consumed;
    return { read: true };
  }

  #fileAck(req: number, file: IncomingFile, offset: number): void {
    if (offset <= file.acked) return;
    file.acked = offset;
    this.#link()?.send({ type: 'fileAck', req, offset });
  }
}
