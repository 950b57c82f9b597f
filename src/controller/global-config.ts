import { XMLParser } from 'fast-xml-parser';
import { StewardError, isStewardError } from '../errors/index.js';
import type { HomeStore } from '../home/index.js';
import { parseXml, serializeXml, type XmlDocument, type XmlElementHandle } from '../xml/index.js';
import { parseNodeMode, type BuiltInNodeConfig } from '../nodes/index.js';
import { DEFAULT_SECURITY_ELEMENTS } from '../security/index.js';

/** The parts of Jenkins' global config.xml (`<hudson>`) the controller uses, the built-in node's among them. */
export interface GlobalConfig extends BuiltInNodeConfig {
  /** Default quiet period of jobs without their own, in seconds. */
  quietPeriod: number;
}

export const CONFIG_FILE = 'config.xml';

/**
 * A new home gets a quiet period of 0: builds start as soon as they are asked for. A home imported
 * from Jenkins keeps its own value (Jenkins' default is 5 s). Security is on: Jenkins' own user
 * database and "logged-in users can do anything", without anonymous read.
 */
export function defaultConfigXml(numExecutors: number): string {
  return `<?xml version='1.1' encoding='UTF-8'?>
<hudson>
  <version>2.479.3</version>
  <numExecutors>${numExecutors}</numExecutors>
  <mode>NORMAL</mode>
  <label></label>
  <quietPeriod>0</quietPeriod>
  <useSecurity>true</useSecurity>
${DEFAULT_SECURITY_ELEMENTS}
</hudson>
`;
}

/**
 * The global configuration, kept as its XML document so that a save writes back every element it
 * does not know unchanged.
 */
export class GlobalConfigFile {
  readonly #store: HomeStore;
  #doc: XmlDocument;
  config: GlobalConfig;

  private constructor(store: HomeStore, doc: XmlDocument, config: GlobalConfig) {
    this.#store = store;
    this.#doc = doc;
    this.config = config;
  }

  /**
   * Reads config.xml, creating it on a new home. A config.xml that cannot be read stops start-up,
   * as it stops Jenkins: it holds the security realm and the authorization strategy, and a
   * controller started without them, or with defaults in their place, would either be open to
   * everyone or lock out the users the file grants rights to; and its next save would overwrite
   * the file an administrator has to mend. The error names file, line and column.
   */
  static async load(store: HomeStore, defaults: { numExecutors: number }): Promise<GlobalConfigFile> {
    let text = await store.readText(CONFIG_FILE);
    if (text === undefined) {
      text = defaultConfigXml(defaults.numExecutors);
      await store.writeAtomic(CONFIG_FILE, text);
    }
    try {
      const doc = parseXml(text, CONFIG_FILE);
      return new GlobalConfigFile(store, doc, parseGlobal(text));
    } catch (err) {
      if (!isStewardError(err, 'STW_XML_MALFORMED')) throw err;
      throw new StewardError(err.code, `${err.message}; the controller does not start on a ${CONFIG_FILE} it cannot read, since it holds the security settings: correct the file at that place, or put back a copy from a backup`, {
        cause: err,
        file: err.file ?? CONFIG_FILE,
        ...(err.line === undefined ? {} : { line: err.line }),
        ...(err.column === undefined ? {} : { column: err.column }),
      });
    }
  }

  /** The `<hudson>` element, for the parts that read their own settings (security). */
  get root(): XmlElementHandle {
    return this.#doc.root;
  }

  async setNumExecutors(n: number): Promise<void> {
    this.#doc.root.setChildText('numExecutors', String(n));
    const text = serializeXml(this.#doc);
    await this.#store.writeAtomic(CONFIG_FILE, text);
    this.config = { ...this.config, numExecutors: n };
  }
}

function parseGlobal(text: string): GlobalConfig {
  const parsed = new XMLParser({ parseTagValue: false, ignoreAttributes: true }).parse(text) as Record<string, unknown>;
  const root = (parsed.hudson ?? parsed['jenkins.model.Jenkins']) as Record<string, unknown> | undefined;
  if (root === undefined || typeof root !== 'object') {
    throw new StewardError('STW_CONFIG_INVALID', `${CONFIG_FILE}: the root element must be <hudson>`, { file: CONFIG_FILE });
  }
  const int = (field: string, fallback: number): number => {
    const v = root[field];
    if (v === undefined || v === '') return fallback;
    const n = Number(v);
    if (!Number.isInteger(n) || n < 0) {
      throw new StewardError('STW_CONFIG_INVALID', `${CONFIG_FILE}: <${field}> must be a whole number of 0 or more, not "${String(v)}"`, {
        file: CONFIG_FILE,
        field,
      });
    }
    return n;
  };
  return {
    numExecutors: int('numExecutors', 2),
    mode: parseNodeMode(root.mode, CONFIG_FILE),
    label: typeof root.label === 'string' ? root.label : '',
    quietPeriod: int('quietPeriod', 5),
  };
}
