import type { XmlElementHandle } from '../../xml/index.js';

/** The job property of the throttle-concurrents plugin ("Throttle Concurrent Builds"). */
export const THROTTLE_JOB_PROPERTY = 'hudson.plugins.throttleconcurrents.ThrottleJobProperty';
/** The plugin's global configuration in the home: its categories. */
export const THROTTLE_GLOBAL_FILE = 'hudson.plugins.throttleconcurrents.ThrottleJobProperty.xml';

/** A job's `ThrottleJobProperty`. Limits of 0 (or less) mean none. */
export interface ThrottleSettings {
  readonly throttleEnabled: boolean;
  /** `project`: the job's own limits; `category`: those of its categories, shared with the other jobs in them. */
  readonly throttleOption: 'project' | 'category';
  readonly maxConcurrentPerNode: number;
  readonly maxConcurrentTotal: number;
  readonly categories: readonly string[];
}

/** A category of the global configuration. */
export interface ThrottleCategory {
  readonly name: string;
  readonly maxConcurrentPerNode: number;
  readonly maxConcurrentTotal: number;
}

/** A limit as the plugin reads it (an Integer): a whole number, anything else none. */
function limit(el: XmlElementHandle, name: string): number {
  const text = el.childText(name)?.trim() ?? '';
  return /^-?\d{1,9}$/.test(text) ? Math.max(0, Number(text)) : 0;
}

export function parseThrottleProperty(el: XmlElementHandle): ThrottleSettings {
  const categories = (el.child('categories')?.children() ?? []).map((c) => c.text().trim());
  // Before 1.8 a job had one `<category>`.
  const old = el.childText('category')?.trim();
  if (old !== undefined && old !== '') categories.push(old);
  return {
    // Absent in jobs of plugin versions before 1.8, where a property meant a throttle.
    throttleEnabled: (el.childText('throttleEnabled')?.trim().toLowerCase() ?? 'true') === 'true',
    throttleOption: el.childText('throttleOption')?.trim() === 'category' ? 'category' : 'project',
    maxConcurrentPerNode: limit(el, 'maxConcurrentPerNode'),
    maxConcurrentTotal: limit(el, 'maxConcurrentTotal'),
    categories: [...new Set(categories.filter((c) => c !== ''))],
  };
}

/** The categories of the global configuration's root element, by name. */
export function parseThrottleCategories(root: XmlElementHandle): Map<string, ThrottleCategory> {
  const out = new Map<string, ThrottleCategory>();
  for (const el of root.child('categories')?.children() ?? []) {
    const name = el.childText('categoryName')?.trim();
    if (name === undefined || name === '') continue;
    out.set(name, { name, maxConcurrentPerNode: limit(el, 'maxConcurrentPerNode'), maxConcurrentTotal: limit(el, 'maxConcurrentTotal') });
  }
  return out;
}
