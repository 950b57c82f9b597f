/**
 * Workspaces a channel starts making ahead of their build (NodeChannel.prepareWorkspace), so that
 * the build's own `workspace` call finds one on its way: both channels keep them the same way.
 */
export class PreparedWorkspaces {
  readonly #make: (job: string) => Promise<string>;
  readonly #preparing = new Map<string, Promise<string>>();

  constructor(make: (job: string) => Promise<string>) {
    this.#make = make;
  }

  /** Starts making the job's workspace, unless one is being made already. */
  prepare(job: string): void {
    if (this.#preparing.has(job)) return;
    const made = this.#make(job);
    this.#preparing.set(job, made);
    // A failure is the build's to report; one that never asks again leaves nothing behind.
    made.catch(() => {
      if (this.#preparing.get(job) === made) this.#preparing.delete(job);
    });
  }

  /** The workspace prepared for the job, taken; else made now. */
  take(job: string): Promise<string> {
    const prepared = this.#preparing.get(job);
    if (prepared === undefined) return this.#make(job);
    this.#preparing.delete(job);
    return prepared;
  }
}
