import type { ParameterValue as QueueParameterValue } from '../../queue/index.js';
import { StewardError, excerpt } from '../../errors/index.js';
import { configInvalid, readBoolean, type XmlElementHandle } from '../../xml/index.js';

interface ParameterBase {
  readonly name: string;
  readonly description: string;
}

/** A job's parameter, from `properties/hudson.model.ParametersDefinitionProperty`. */
export type ParameterDefinition =
  | (ParameterBase & { readonly kind: 'string'; readonly defaultValue: string; readonly trim: boolean })
  | (ParameterBase & { readonly kind: 'boolean'; readonly defaultValue: boolean })
  | (ParameterBase & { readonly kind: 'choice'; readonly choices: readonly string[] })
  | (ParameterBase & { readonly kind: 'text'; readonly defaultValue: string; readonly trim: boolean })
  /**
   * `defaultValue` is the text as stored: for `<defaultValueAsSecret>` that is Jenkins' encrypted
   * Secret (`{AQAAAB...}`); decrypting it is the security part's business.
   */
  | (ParameterBase & { readonly kind: 'password'; readonly defaultValue: string })
  /**
   * A parameter type from a plugin Steward does not know (e.g. Extended Choice, Git Parameter).
   * Jobs imported from Jenkins carry these; rather than refuse the job, Steward passes the value
   * through as a plain string, defaulting to the element's `<defaultValue>` text when it has one.
   * A type whose name mentions a password or secret is treated as sensitive.
   */
  | (ParameterBase & { readonly kind: 'unknown'; readonly type: string; readonly defaultValue: string | undefined });

/**
 * A parameter value of one build, as passed to the build and written to build.xml (the queue's
 * type: one from the request to the record). `sensitive` values (passwords) are masked in logs and
 * the UI and not written in clear.
 */
export type ParameterValue = QueueParameterValue;

const KNOWN_TYPES: Readonly<Record<string, Exclude<ParameterDefinition['kind'], 'unknown'>>> = {
  'hudson.model.StringParameterDefinition': 'string',
  'hudson.model.BooleanParameterDefinition': 'boolean',
  'hudson.model.ChoiceParameterDefinition': 'choice',
  'hudson.model.TextParameterDefinition': 'text',
  'hudson.model.PasswordParameterDefinition': 'password',
};

/** Parses `<parameterDefinitions>`; names must be present and unique. */
export function parseParameterDefinitions(list: XmlElementHandle): ParameterDefinition[] {
  const seen = new Map<string, string>();
  const out: ParameterDefinition[] = [];
  for (const el of list.children()) {
    const def = parseDefinition(el);
    const first = seen.get(def.name);
    if (first !== undefined) {
      throw configInvalid(el, el.childPath('name'), `duplicate parameter name ${JSON.stringify(def.name)} (also at ${first})`);
    }
    seen.set(def.name, el.path);
    out.push(def);
  }
  return out;
}

function parseDefinition(el: XmlElementHandle): ParameterDefinition {
  const nameEl = el.child('name');
  const name = nameEl?.text().trim() ?? '';
  if (name === '') throw configInvalid(nameEl ?? el, el.childPath('name'), 'a parameter needs a name');
  const description = el.childText('description') ?? '';
  const kind = KNOWN_TYPES[el.name];
  if (kind === undefined) {
    return { kind: 'unknown', type: el.name, name, description, defaultValue: el.childText('defaultValue') };
  }
  switch (kind) {
    case 'string':
    case 'text':
      return { kind, name, description, defaultValue: el.childText('defaultValue') ?? '', trim: readBoolean(el, 'trim', false) };
    case 'boolean':
      return { kind, name, description, defaultValue: readBoolean(el, 'defaultValue', false) };
    case 'choice': {
      const choices = readChoices(el);
      if (choices.length === 0) throw configInvalid(el, el.childPath('choices'), `choice parameter ${name} has no choices`);
      return { kind, name, description, choices };
    }
    case 'password':
      return { kind, name, description, defaultValue: el.childText('defaultValueAsSecret') ?? el.childText('defaultValue') ?? '' };
  }
}

/**
 * Both forms Jenkins has written: a list (`<choices class="java.util.Arrays$ArrayList"><a
 * class="string-array"><string>..`, or `<string>` children directly), and plain text with one
 * choice per line (a trailing newline does not add an empty choice).
 */
function readChoices(el: XmlElementHandle): string[] {
  const choices = el.child('choices');
  if (choices === undefined) return [];
  const list = choices.child('a') ?? choices;
  const strings = list.childrenNamed('string');
  if (strings.length > 0) return strings.map((s) => s.text());
  const lines = choices.text().split(/\r?\n/);
  if (lines.at(-1) === '') lines.pop();
  return lines;
}

/** How many names or choices a message lists; a job can define thousands, and the message is an HTTP answer. */
const LISTED = 20;

/** The first LISTED items, then how many more: `A, B, C and 4,980 more`. */
function listSome(items: readonly string[]): string {
  const shown = items.slice(0, LISTED).join(', ');
  return items.length <= LISTED ? shown : `${shown} and ${(items.length - LISTED).toLocaleString('en-US')} more`;
}

/**
 * Turns the values given for a build into the job's parameter values, in definition order, by
 * Jenkins' rules: a missing value takes the default (a choice's default is its first choice);
 * string and text values are trimmed when the definition says `trim`; a boolean is `true` or
 * `false` in any case (stricter than Jenkins, which reads anything else as false); a choice must
 * be one of the choices. A name the job does not define, and a value with a NUL, are refused. Errors are
 * STW_PARAMETER_INVALID and never repeat a given value.
 */
export function resolveParameters(
  defs: readonly ParameterDefinition[],
  given: Readonly<Record<string, string | undefined>>,
): { values: ParameterValue[] } {
  const defined = new Set(defs.map((d) => d.name));
  for (const [name, value] of Object.entries(given)) {
    if (value !== undefined && !defined.has(name)) {
      const has = defs.length === 0 ? 'it has none' : `it has: ${listSome(defs.map((d) => d.name))}`;
      throw new StewardError('STW_PARAMETER_INVALID', `job defines no parameter named ${excerpt(name)}; ${has}`, { field: excerpt(name) });
    }
    // An environment variable ends at a NUL, so the build would see another value than was given.
    const nul = value?.indexOf('\0') ?? -1;
    if (nul !== -1) {
      throw new StewardError('STW_PARAMETER_INVALID', `parameter ${name} holds a NUL character (U+0000) at position ${[...(value ?? '').slice(0, nul)].length + 1}; a build cannot be given it`, { field: name });
    }
  }
  return { values: defs.map((def) => resolveOne(def, Object.hasOwn(given, def.name) ? given[def.name] : undefined)) };
}

/**
 * The Jenkins class of each kind's value (a choice gives a StringParameterValue in Jenkins too).
 * A value without a `type` is a StringParameterValue, or a PasswordParameterValue when sensitive.
 */
export const VALUE_TYPES = {
  string: 'hudson.model.StringParameterValue',
  text: 'hudson.model.TextParameterValue',
  boolean: 'hudson.model.BooleanParameterValue',
  choice: 'hudson.model.StringParameterValue',
  password: 'hudson.model.PasswordParameterValue',
} as const;

/** The Jenkins class of a value: PasswordParameterValue when sensitive, else its `type`, else StringParameterValue. */
export function valueClassOf(value: ParameterValue): string {
  return value.sensitive ? VALUE_TYPES.password : (value.type ?? VALUE_TYPES.string);
}

function resolveOne(def: ParameterDefinition, value: string | undefined): ParameterValue {
  const { name } = def;
  switch (def.kind) {
    case 'string':
    case 'text': {
      const raw = value ?? def.defaultValue;
      return { name, value: def.trim ? raw.trim() : raw, sensitive: false, ...(def.kind === 'text' ? { type: VALUE_TYPES.text } : {}) };
    }
    case 'boolean': {
      if (value === undefined) return { name, value: String(def.defaultValue), sensitive: false, type: VALUE_TYPES.boolean };
      const lower = value.toLowerCase();
      if (lower !== 'true' && lower !== 'false') {
        throw new StewardError('STW_PARAMETER_INVALID', `parameter ${name} must be true or false`, { field: name });
      }
      return { name, value: lower, sensitive: false, type: VALUE_TYPES.boolean };
    }
    case 'choice': {
      const chosen = value ?? def.choices[0] ?? '';
      if (!def.choices.includes(chosen)) {
        const allowed = listSome(def.choices.map((c) => JSON.stringify(c)));
        throw new StewardError('STW_PARAMETER_INVALID', `parameter ${name} must be one of ${allowed}`, { field: name });
      }
      return { name, value: chosen, sensitive: false };
    }
    case 'password':
      return { name, value: value ?? def.defaultValue, sensitive: true };
    case 'unknown':
      return { name, value: value ?? def.defaultValue ?? '', sensitive: /password|secret/i.test(def.type) };
  }
}
