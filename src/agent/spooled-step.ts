/**
 * One step's output on the agent, between its pipes and the controller: every byte is appended to
 * a spool file in the work dir before it is sent, so that what the controller has not acknowledged
 * can be sent again after a reconnect, from the offset the controller names. Offsets count the
 * step's (masked) output from its first byte.
 *
 * Memory stays bounded: once `window` bytes are unacknowledged (sent or not, connected or not) the
 * step's pipes are no longer read, so the step blocks on its next write, until acknowledgements
 * bring that under half the window.
 */
import { open, rm, type FileHandle } from 'node:fs/promises';
import { FRAME_OUTPUT, PROTOCOL_VERSION, frameHeader, type AgentMessage, type HeldStep, type Unversioned } from '../agent-protocol/index.js';

/** How the step reaches the controller while connected. */
export interface StepLink {
  /** Sends a binary frame; `done` is called once it is handed to the socket. */
  sendBinary(data: Buffer, done: (err?: Error) => void): void;
  sendJson(m: Unversioned<AgentMessage>): void;
}

/** The most bytes read back from the spool per frame when resending. */
const RESEND_CHUNK = 256 * 1024;

export interface SpooledStepOptions {
  id: string;
  job: string;
  number: number;
  cookie: string;
  spoolPath: string;
  window: number;
  /** Stops or restarts reading the step's pipes. */
  setReading: (reading: boolean) => void;
  /** Called when a spool write fails (the disk is full): the step cannot be kept and is stopped. */
  onSpoolError: (err: Error) => void;
}

export class SpooledStep {
  readonly id: string;
  readonly job: string;
  readonly number: number;
  readonly cookie: string;
  readonly #o: SpooledStepOptions;
  readonly #file: Promise<FileHandle>;
  /** Spool writes, in order. */
  #writes: Promise<void> = Promise.resolve();
  /** Bytes of output received from the step. */
  produced = 0;
  /** Bytes of output in the spool file. */
  #written = 0;
  /** Bytes sent on the current link. */
  #sent = 0;
  /** Bytes the controller has acknowledged. */
  #acked = 0;
  exitCode: number | null = null;
  #exitSent = false;
  #reading = true;
  #link: StepLink | undefined;
  /** A resend from the spool file is under way. */
  #pumping = false;
  #released = false;

  constructor(o: SpooledStepOptions) {
    this.#o = o;
    this.id = o.id;
    this.job = o.job;
    this.number = o.number;
    this.cookie = o.cookie;
    this.#file = open(o.spoolPath, 'wx+', 0o600);
    // A failure to open shows in the first write; keep it from being unhandled meanwhile.
    this.#file.catch(() => undefined);
  }

  held(): HeldStep {
    return { id: this.id, job: this.job, number: this.number, cookie: this.cookie, produced: this.produced, exitCode: this.exitCode };
  }

  /** A chunk of the step's output, masked. */
  output(chunk: Buffer): void {
    const offset = this.produced;
    this.produced += chunk.length;
    if (this.#reading && this.produced - this.#acked >= this.#o.window) this.#setReading(false);
    this.#writes = this.#writes.then(async () => {
      if (this.#released) return;
      const file = await this.#file;
      let done = 0;
      while (done < chunk.length) done += (await file.write(chunk, done, chunk.length - done, offset + done)).bytesWritten;
      this.#written = offset + chunk.length;
      // Caught up: send from memory; otherwise a resend reads it back from the spool.
      if (this.#link !== undefined && !this.#pumping && this.#sent === offset) {
        this.#sent += chunk.length;
        this.#link.sendBinary(Buffer.concat([frameHeader(FRAME_OUTPUT, this.id, offset), chunk]), () => undefined);
      } else {
        this.#pump();
      }
    }).catch((err: unknown) => {
      if (!this.#released) this.#o.onSpoolError(err instanceof Error ? err : new Error(String(err)));
    });
  }

  /** The step ended: its exit is sent after the last byte of output. */
  exited(code: number): void {
    this.#writes = this.#writes.then(() => {
      this.exitCode = code;
      this.#sendExitIfDone();
    });
  }

  /** The controller has the output up to `offset`. */
  ack(offset: number): void {
    if (offset > this.#acked) this.#acked = Math.min(offset, this.produced);
    if (!this.#reading && this.produced - this.#acked < this.#o.window / 2) this.#setReading(true);
  }

  /** A new connection: send what the controller lacks, from `offset`, then the exit if ended. */
  attach(link: StepLink, offset: number): void {
    this.#link = link;
    this.#sent = Math.min(offset, this.produced);
    this.#exitSent = false;
    this.ack(offset);
    this.#pump();
    this.#sendExitIfDone();
  }

  detach(): void {
    this.#link = undefined;
  }

  /** The controller has everything: the spool file goes. */
  async release(): Promise<void> {
    this.#released = true;
    this.#link = undefined;
    await this.#writes;
    const file = await this.#file.catch(() => undefined);
    await file?.close();
    await rm(this.#o.spoolPath, { force: true });
  }

  #setReading(reading: boolean): void {
    this.#reading = reading;
    this.#o.setReading(reading);
  }

  #sendExitIfDone(): void {
    const link = this.#link;
    if (link === undefined || this.#pumping || this.exitCode === null || this.#exitSent || this.#sent !== this.produced) return;
    this.#exitSent = true;
    link.sendJson({ type: 'exit', id: this.id, code: this.exitCode, produced: this.produced });
  }

  /** Resends from the spool file what is written and not sent, one frame at a time. */
  #pump(): void {
    if (this.#pumping || this.#link === undefined || this.#sent >= this.#written) return;
    this.#pumping = true;
    void (async () => {
      try {
        const file = await this.#file;
        for (;;) {
          const link = this.#link;
          if (link === undefined || this.#released || this.#sent >= this.#written) break;
          const start = this.#sent;
          const n = Math.min(RESEND_CHUNK, this.#written - start);
          const buf = Buffer.allocUnsafe(n);
          let got = 0;
          while (got < n) {
            const { bytesRead } = await file.read(buf, got, n - got, start + got);
            if (bytesRead === 0) throw new Error(`the spool file ${this.#o.spoolPath} ends at ${start + got}, before ${start + n}`);
            got += bytesRead;
          }
          if (this.#link !== link) continue;
          this.#sent = start + n;
          // One frame in the socket's buffer at a time: a resend of a large spool stays small in memory.
          await new Promise<void>((resolve) => link.sendBinary(Buffer.concat([frameHeader(FRAME_OUTPUT, this.id, start), buf]), () => resolve()));
        }
      } catch (err) {
        if (!this.#released) this.#o.onSpoolError(err instanceof Error ? err : new Error(String(err)));
      } finally {
        this.#pumping = false;
      }
      // What arrived during the last frame, and the exit.
      if (this.#link !== undefined && this.#sent < this.#written) this.#pump();
      else this.#sendExitIfDone();
    })();
  }
}

/** A network message of the agent with the protocol version added. */
export function versioned(m: Unversioned<AgentMessage>): AgentMessage {
  return { v: PROTOCOL_VERSION, ...m } as AgentMessage;
}
