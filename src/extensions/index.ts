/**
 * Extension points and descriptors, after Jenkins' ExtensionList: an implementation registers a
 * Descriptor under an ExtensionPoint; lookups return them ordered by `ordinal` (higher first) and
 * find one by its `id` (the Jenkins class name that config.xml uses, e.g. `hudson.tasks.Shell`).
 */
import { StewardError } from '../errors/index.js';

/** A named extension point; `T` is the descriptor type registered under it. */
export interface ExtensionPoint<T extends Descriptor> {
  readonly name: string;
  /** Phantom field so that points of different descriptor types do not mix. */
  readonly __type?: T;
}

export interface Descriptor {
  /** Stable identifier, the Jenkins class name where one exists. */
  readonly id: string;
  readonly displayName: string;
  /** Higher ordinals come first in lookups (Jenkins' @Extension(ordinal=...)). Default 0. */
  readonly ordinal?: number;
  /** Other ids this descriptor answers to (older class names, aliases). */
  readonly aliases?: readonly string[];
}

export function extensionPoint<T extends Descriptor>(name: string): ExtensionPoint<T> {
  return { name };
}

export class ExtensionRegistry {
  readonly #lists = new Map<string, Descriptor[]>();
  readonly #byId = new Map<string, Map<string, Descriptor>>();

  register<T extends Descriptor>(point: ExtensionPoint<T>, descriptor: T): void {
    const ids = this.#byId.get(point.name) ?? new Map<string, Descriptor>();
    for (const id of [descriptor.id, ...(descriptor.aliases ?? [])]) {
      if (ids.has(id)) {
        throw new StewardError('STW_INTERNAL', `extension ${id} is already registered for ${point.name}`);
      }
    }
    for (const id of [descriptor.id, ...(descriptor.aliases ?? [])]) ids.set(id, descriptor);
    this.#byId.set(point.name, ids);
    const list = [...(this.#lists.get(point.name) ?? []), descriptor];
    list.sort((a, b) => (b.ordinal ?? 0) - (a.ordinal ?? 0));
    this.#lists.set(point.name, list);
  }

  /** Every descriptor registered for the point, highest ordinal first. */
  all<T extends Descriptor>(point: ExtensionPoint<T>): readonly T[] {
    return (this.#lists.get(point.name) ?? []) as T[];
  }

  find<T extends Descriptor>(point: ExtensionPoint<T>, id: string): T | undefined {
    return this.#byId.get(point.name)?.get(id) as T | undefined;
  }

  get<T extends Descriptor>(point: ExtensionPoint<T>, id: string): T {
    const found = this.find(point, id);
    if (found === undefined) {
      throw new StewardError('STW_EXTENSION_UNKNOWN', `no ${point.name} named ${id} is installed`);
    }
    return found;
  }

  /** The first (highest-ordinal) descriptor of a point, for points that have one active choice. */
  first<T extends Descriptor>(point: ExtensionPoint<T>): T | undefined {
    return this.all(point)[0];
  }
}

/**
 * A plugin Steward ships with (src/plugins/<name>/, named by the Jenkins plugin's short name):
 * `register` adds its descriptors to the extension points it implements. The composition root
 * registers every built-in plugin once per controller.
 */
export interface BuiltInPlugin {
  /** The Jenkins plugin's short name (`credentials-binding`), or the core step's (`shell`). */
  readonly name: string;
  register(registry: ExtensionRegistry): void;
}

/** Where a Secret field was read, for the error its value gives when it does not decrypt. */
export interface SecretFieldLocation {
  file: string;
  field: string;
  line?: number;
}

/** What a global configuration reads the home with when the controller starts. */
export interface GlobalConfigurationContext {
  /** A file at the home's top level (`hudson.tasks.Mailer.xml`) as text; undefined when there is none. */
  readText(file: string): Promise<string | undefined>;
  /**
   * The clear text of a Secret field as Jenkins' Secret.fromString reads it, with the home's keys:
   * Steward's `{STW1:...}` and Jenkins' `{AQAAABAAAAA...}` decrypt, other text is the value itself.
   * Throws STW_SECRET_INVALID naming `at` (never the value) when an encrypted value does not open.
   */
  secret(text: string, at: SecretFieldLocation): string;
}

/**
 * A plugin's global settings kept in a file of the home's top level, as Jenkins keeps a
 * Descriptor's (jenkins.model.GlobalConfiguration): `hudson.tasks.Mailer.xml`. The controller loads
 * every one once it has the home's keys, before the jobs.
 */
export interface GlobalConfigurationDescriptor extends Descriptor {
  /**
   * Reads the settings. A file that cannot be used is not thrown: its problems come back, each
   * naming file, line and field; the controller logs them and lists them in /manage, and starts.
   */
  load(ctx: GlobalConfigurationContext): Promise<readonly string[]>;
}

export const GLOBAL_CONFIGURATION = extensionPoint<GlobalConfigurationDescriptor>('GlobalConfiguration');
