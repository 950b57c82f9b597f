import { describeNotRun, type NotRunElement, type NotRunKind, type NotRunTreatment } from '../jobs/index.js';

const KINDS: readonly NotRunKind[] = ['scm', 'builder', 'wrapper', 'publisher', 'trigger', 'property', 'option'];
const TREATMENTS: readonly NotRunTreatment[] = ['fails-build', 'skipped', 'ignored'];

/** One line for an element: `skipped: publisher hudson.plugins.jacoco.JacocoPublisher (plugin jacoco@3.3.4): why`. */
export function notRunLine(e: NotRunElement): string {
  return `${e.treatment}: ${describeNotRun(e)}: ${e.reason}`;
}

/**
 * The lines for the `notRun` of a controller's answer to createItem or config.xml; none for an
 * empty body or one that is not that JSON (a controller from before it was answered).
 */
export function notRunLines(body: string): string[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    return [];
  }
  const list = (parsed as { notRun?: unknown } | null)?.notRun;
  if (!Array.isArray(list)) return [];
  const lines: string[] = [];
  for (const item of list as unknown[]) {
    const e = item as Record<string, unknown>;
    const kind = KINDS.find((k) => k === e.kind);
    const treatment = TREATMENTS.find((t) => t === e.treatment);
    if (kind === undefined || treatment === undefined || typeof e.name !== 'string' || typeof e.reason !== 'string') continue;
    lines.push(
      notRunLine({
        kind,
        name: e.name,
        plugin: typeof e.plugin === 'string' ? e.plugin : undefined,
        ...(typeof e.within === 'string' ? { within: e.within } : {}),
        treatment,
        reason: e.reason,
      }),
    );
  }
  return lines;
}
