import { createHash, timingSafeEqual } from 'node:crypto';
import type { Logger } from 'pino';
import { StewardError, coerceError, excerpt } from '../errors/index.js';
import { KeyedSerializer, checkGoodName, goodNameProblem, type HomeStore } from '../home/index.js';
import { agentConfigFile, parseAgentConfig, type AgentConfig } from './agent-config.js';
import { agentConfigXml, type AgentSpec } from './agent-spec.js';
import { Computer } from './computer.js';

/**
 * How an agent's secret is derived from its name: Jenkins' JnlpAgentReceiver.SLAVE_SECRET
 * (security/secrets' AgentSecretKey gives it).
 */
export interface AgentSecrets {
  mac(name: string): string;
}

/** What happened to an agent node: listeners hear it after the home has it. */
export type AgentChange = 'created' | 'updated' | 'deleted';

/**
 * The answer to an agent that says who it is. A refusal says the same to the agent whether the
 * node is unknown or the secret wrong, so that the answer tells nobody which node names exist;
 * the controller's log tells the two apart.
 */
export type AgentCheck = { readonly ok: true; readonly computer: Computer } | { readonly ok: false; readonly refusal: string };

export interface AgentNodesOptions {
  readonly store: HomeStore;
  readonly logger: Logger;
  readonly secrets: AgentSecrets;
  readonly now?: () => number;
}

/** The names of the built-in node (in URLs and labels), which no agent may take. */
const BUILT_IN_NAMES = new Set(['built-in', 'master', '(built-in)', '(master)', 'built-in node']);

/** The state of an agent until its agent connects. */
const NOT_CONNECTED = 'the agent has not connected';

const REFUSAL = 'the agent name or secret is wrong';

interface AgentNode {
  readonly config: AgentConfig;
  readonly computer: Computer;
}

/**
 * The agent nodes of the home (Jenkins' Nodes): each `nodes/NAME/config.xml` read at start, and
 * created, reconfigured and deleted through the home store, with a Computer per node. A Computer
 * is offline (`disconnected`, "the agent has not connected") until its agent connects. Also where
 * an agent's secret is derived and checked.
 */
export class AgentNodes {
  readonly #store: HomeStore;
  readonly #log: Logger;
  readonly #secrets: AgentSecrets;
  readonly #now: () => number;
  readonly #nodes = new Map<string, AgentNode>();
  /** Names being created: taken, though not yet in the home. */
  readonly #creating = new Set<string>();
  /** One change at a time to one node's file. */
  readonly #serial = new KeyedSerializer();
  readonly #listeners = new Set<(computer: Computer, change: AgentChange) => void>();

  private constructor(opts: AgentNodesOptions) {
    this.#store = opts.store;
    this.#log = opts.logger;
    this.#secrets = opts.secrets;
    this.#now = opts.now ?? Date.now;
  }

  /**
   * Reads every `nodes/NAME/config.xml`. A file that cannot be read (bad XML, a wrong field, a
   * launcher Steward does not run) is reported in the log, naming file, line and field, and
   * skipped: start-up goes on, and the file is left as it is. A folder whose name no node could
   * have is not read, with a warning.
   */
  static async load(opts: AgentNodesOptions): Promise<AgentNodes> {
    const nodes = new AgentNodes(opts);
    const log = opts.logger;
    let skipped = 0;
    for (const folder of await opts.store.listDir('nodes')) {
      const problem = nameProblem(folder);
      if (problem !== undefined) {
        log.warn({ folder: `nodes/${folder}`, reason: problem }, `the folder nodes/${folder} is not loaded: ${problem}`);
        skipped++;
        continue;
      }
      const file = agentConfigFile(folder);
      try {
        // A file that cannot be read (its permissions) is reported and skipped like a bad one.
        const xml = await opts.store.readText(file);
        if (xml === undefined) continue; // a folder without config.xml is not a node
        const config = await parseAgentConfig(xml, file, folder);
        nodes.#nodes.set(folder, { config, computer: nodes.#newComputer(config) });
      } catch (err) {
        const e = coerceError(err, 'STW_CONFIG_INVALID');
        log.error({ node: folder, file, err: e.toJSON() }, `node ${folder} is not loaded: ${e.message}`);
        skipped++;
      }
    }
    log.info({ nodes: nodes.#nodes.size, skipped }, `loaded ${nodes.#nodes.size} agent nodes${skipped > 0 ? ` (${skipped} could not be read)` : ''}`);
    return nodes;
  }

  /** Tells `listener` about every node created, reconfigured or deleted; returns the unsubscribe. */
  onChange(listener: (computer: Computer, change: AgentChange) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** The agents' computers, by name. */
  computers(): Computer[] {
    return [...this.#nodes.values()].map((n) => n.computer).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  get(name: string): Computer | undefined {
    return this.#nodes.get(name)?.computer;
  }

  /** The node's config.xml as it is in the home. */
  configXml(name: string): string {
    return this.#require(name).config.xml;
  }

  /**
   * The node's configuration: its Node and the document, for what a part reads there itself (the
   * SSH launcher's host key verification, retries and timeouts).
   */
  config(name: string): AgentConfig | undefined {
    return this.#nodes.get(name)?.config;
  }

  get size(): number {
    return this.#nodes.size;
  }

  /**
   * Creates an agent node (Jenkins' ComputerSet.doDoCreateItem): its config.xml in DumbSlave's
   * shape, written before the node exists. A taken name, or a folder nodes/NAME left in the home,
   * is refused with STW_NODE_EXISTS; a bad name with STW_NAME_INVALID.
   */
  async create(rawName: string, spec: AgentSpec, by: string): Promise<Computer> {
    const name = checkNodeName(rawName);
    this.#refuseTaken(name);
    const file = agentConfigFile(name);
    const config = await parseAgentConfig(agentConfigXml(name, spec), file, name);
    this.#refuseTaken(name);
    this.#creating.add(name);
    try {
      // A folder that holds no loaded node (one that could not be read at start, or leftovers) is
      // not taken over: its file would be lost.
      if (await this.#store.exists(`nodes/${name}`)) {
        throw new StewardError('STW_NODE_EXISTS', `the folder nodes/${name} already exists but holds no loaded node; fix or remove it, or choose another name`, { field: 'name' });
      }
      try {
        await this.#serial.run(name, () => this.#store.writeAtomic(file, config.xml));
      } catch (err) {
        // The folder the write made (the file could not be: a full disk) would block the name.
        await this.#store.remove(`nodes/${name}`).catch(() => undefined);
        throw err;
      }
      const node = { config, computer: this.#newComputer(config) };
      this.#nodes.set(name, node);
      this.#log.info({ node: name, by, launcher: config.node.launcher, executors: config.node.numExecutors }, `${by} created the agent node ${name}`);
      this.#emit(node.computer, 'created');
      return node.computer;
    } finally {
      this.#creating.delete(name);
    }
  }

  /**
   * Replaces a node's config.xml with posted text (Jenkins' Computer.updateByXml), kept as it was
   * posted, unknown elements and all. Its Computer gets the new Node: executors follow the new
   * count (busy ones retire when their build ends). Text that does not read leaves the node as it
   * was.
   */
  async update(name: string, xml: string, by: string): Promise<Computer> {
    const before = this.#require(name);
    const file = agentConfigFile(name);
    const config = await parseAgentConfig(xml, file, name);
    return this.#serial.run(name, async () => {
      const current = this.#nodes.get(name);
      if (current !== before) throw new StewardError('STW_NODE_NOT_FOUND', `node ${name} was deleted meanwhile`);
      await this.#store.writeAtomic(file, config.xml);
      // Deleted while the file was written: its folder is removed next; the node stays gone.
      if (this.#nodes.get(name) !== before) throw new StewardError('STW_NODE_NOT_FOUND', `node ${name} was deleted meanwhile`);
      const updated = { config, computer: before.computer };
      before.computer.setNode(config.node);
      this.#nodes.set(name, updated);
      this.#log.info({ node: name, by }, `${by} changed the configuration of node ${name}`);
      this.#emit(before.computer, 'updated');
      return before.computer;
    });
  }

  /**
   * Deletes a node and its folder (Jenkins' Computer.doDoDelete). Refused with STW_NODE_BUSY while
   * any of its executors holds a build (running, or being set up): Jenkins would disconnect the
   * agent and its builds would fail; here they are stopped or waited for first. The node leaves
   * the list before its folder goes, so no build is given to it meanwhile.
   */
  async delete(name: string, by: string): Promise<void> {
    const node = this.#require(name);
    const busy = node.computer.executors.filter((e) => !e.idle);
    if (busy.length > 0) {
      const builds = busy.map((e) => ('buildNumber' in e.state ? `${e.state.job} #${e.state.buildNumber}` : `a build of ${e.state.state === 'pending' ? e.state.job : '?'} being started`));
      throw new StewardError('STW_NODE_BUSY', `node ${name} cannot be deleted while it builds (${builds.join(', ')}); stop the builds or wait for them to end`);
    }
    // No await between the check and this: nothing is given to the node once it is out of the map.
    this.#nodes.delete(name);
    try {
      await this.#serial.run(name, () => this.#store.remove(`nodes/${name}`));
    } catch (err) {
      if (!this.#nodes.has(name)) this.#nodes.set(name, node);
      throw err;
    }
    this.#log.info({ node: name, by }, `${by} deleted the agent node ${name}`);
    this.#emit(node.computer, 'deleted');
  }

  /** The secret the agent of node `name` connects with (STW_NODE_NOT_FOUND for no such node). */
  agentSecret(name: string): string {
    return this.#secrets.mac(this.#require(name).config.node.name);
  }

  /**
   * Checks what a connecting agent says: the node's Computer when `secret` is the node's, else a
   * refusal worded alike for an unknown node and a wrong secret. The comparison takes the same
   * time whichever it is and however much of the secret is right. The log says which, by node
   * name (cut to 100 characters), never with a secret.
   */
  authenticateAgent(name: string, secret: string): AgentCheck {
    const node = this.#nodes.get(name);
    // Computed for unknown names too, so that the time taken does not tell them apart.
    const expected = digest(this.#secrets.mac(name));
    const matches = timingSafeEqual(expected, digest(secret));
    if (node !== undefined && matches) return { ok: true, computer: node.computer };
    if (node === undefined) {
      this.#log.warn({ node: excerpt(name), why: 'unknown node' }, `refused an agent that said it was node ${excerpt(name)}: there is no such node`);
    } else {
      this.#log.warn({ node: name, why: 'wrong secret' }, `refused an agent that said it was node ${name}: its secret is wrong`);
    }
    return { ok: false, refusal: REFUSAL };
  }

  #require(name: string): AgentNode {
    const node = this.#nodes.get(name);
    if (node === undefined) throw new StewardError('STW_NODE_NOT_FOUND', `no node named "${excerpt(name)}"`);
    return node;
  }

  #refuseTaken(name: string): void {
    if (this.#nodes.has(name) || this.#creating.has(name)) {
      // Jenkins' ComputerSet.SlaveAlreadyExists.
      throw new StewardError('STW_NODE_EXISTS', `Agent called ‘${name}’ already exists`, { field: 'name' });
    }
  }

  #newComputer(config: AgentConfig): Computer {
    return new Computer(config.node, { state: 'offline', cause: { kind: 'disconnected', reason: NOT_CONNECTED, since: this.#now() } });
  }

  #emit(computer: Computer, change: AgentChange): void {
    for (const listener of this.#listeners) listener(computer, change);
  }
}

/**
 * A node name as Jenkins' ComputerSet.checkName takes it (checkGoodName), which is also a safe
 * folder of the home, and not one of the built-in node's names. Returns it trimmed.
 */
export function checkNodeName(name: string): string {
  const trimmed = checkGoodName(name, 'node');
  if (BUILT_IN_NAMES.has(trimmed.toLowerCase())) {
    throw new StewardError('STW_NAME_INVALID', `"${trimmed}" is a name of the built-in node; choose another name for an agent`, { field: 'name' });
  }
  return trimmed;
}

function nameProblem(folder: string): string | undefined {
  const problem = goodNameProblem(folder, 'node');
  if (problem !== undefined) return problem;
  return BUILT_IN_NAMES.has(folder.toLowerCase()) ? `"${folder}" is a name of the built-in node` : undefined;
}

/** A fixed-length digest, so that texts of any length compare in the same time. */
function digest(text: string): Buffer {
  return createHash('sha256').update(text, 'utf8').digest();
}
