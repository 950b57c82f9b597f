import { readInteger, type XmlElementHandle } from '../../xml/index.js';

/** The element a job's `<builders>` holds for "Execute shell" (core Jenkins). */
export const SHELL = 'hudson.tasks.Shell';

/** `hudson.tasks.Shell`. */
export interface ShellStep {
  readonly command: string;
  /** Exit code that marks the build UNSTABLE instead of FAILURE (`<unstableReturn>`). */
  readonly unstableReturn: number | undefined;
}

export function parseShellStep(el: XmlElementHandle): ShellStep {
  // <configuredLocalRules/> (Jenkins 2.3xx+) holds nothing Steward needs.
  return { command: el.childText('command') ?? '', unstableReturn: readInteger(el, 'unstableReturn') };
}
