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
