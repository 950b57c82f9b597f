import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { resolveParameters, type ParameterDefinition } from '../../../src/jobs/config/index.js';
import { catchSteward } from './helpers.js';

const defs: ParameterDefinition[] = [
  { kind: 'string', name: 'BRANCH', description: '', defaultValue: ' main ', trim: true },
  { kind: 'string', name: 'RAW', description: '', defaultValue: ' keep ', trim: false },
  { kind: 'boolean', name: 'DEPLOY', description: '', defaultValue: false },
  { kind: 'choice', name: 'ENV', description: '', choices: ['staging', 'production'] },
  { kind: 'text', name: 'NOTES', description: '', defaultValue: 'a\nb\n', trim: true },
  { kind: 'password', name: 'TOKEN', description: '', defaultValue: '{AQAAABAAAAAQ}' },
  { kind: 'unknown', type: 'net.uaznia.lukanus.hudson.plugins.gitparameter.GitParameterDefinition', name: 'TAG', description: '', defaultValue: 'v1' },
  { kind: 'unknown', type: 'com.example.ExtendedChoiceParameterDefinition', name: 'EXTRA', description: '', defaultValue: undefined },
  { kind: 'unknown', type: 'com.example.SecretTextParameterDefinition', name: 'KEY', description: '', defaultValue: undefined },
];

describe('resolving build parameters', () => {
  it('takes every default when nothing is given, in definition order', () => {
    assert.deepEqual(resolveParameters(defs, {}).values, [
      { name: 'BRANCH', value: 'main', sensitive: false },
      { name: 'RAW', value: ' keep ', sensitive: false },
      { name: 'DEPLOY', value: 'false', sensitive: false, type: 'hudson.model.BooleanParameterValue' },
      { name: 'ENV', value: 'staging', sensitive: false },
      { name: 'NOTES', value: 'a\nb', sensitive: false, type: 'hudson.model.TextParameterValue' },
      { name: 'TOKEN', value: '{AQAAABAAAAAQ}', sensitive: true },
      { name: 'TAG', value: 'v1', sensitive: false },
      { name: 'EXTRA', value: '', sensitive: false },
      { name: 'KEY', value: '', sensitive: true },
    ]);
  });

  it('uses given values, trimming only where the definition says trim', () => {
    const given = { BRANCH: '  feature/x ', RAW: ' x ', DEPLOY: 'TRUE', ENV: 'production', NOTES: '\n n \n', TOKEN: 's3cr3t', TAG: 'v2', EXTRA: 'a,b' };
    const values = Object.fromEntries(resolveParameters(defs, given).values.map((v) => [v.name, v.value]));
    assert.deepEqual(values, { BRANCH: 'feature/x', RAW: ' x ', DEPLOY: 'true', ENV: 'production', NOTES: 'n', TOKEN: 's3cr3t', TAG: 'v2', EXTRA: 'a,b', KEY: '' });
  });

  it('treats a value given as undefined as not given', () => {
    const values = resolveParameters(defs, { ENV: undefined, NOPE: undefined }).values;
    assert.equal(values.find((v) => v.name === 'ENV')?.value, 'staging');
  });

  it('refuses a parameter the job does not define, listing the ones it has', () => {
    const err = catchSteward('STW_PARAMETER_INVALID', () => resolveParameters(defs.slice(0, 2), { BRNACH: 'x' }));
    assert.equal(err.message, 'job defines no parameter named BRNACH; it has: BRANCH, RAW');
    assert.equal(err.field, 'BRNACH');
    assert.match(catchSteward('STW_PARAMETER_INVALID', () => resolveParameters([], { A: 'x' })).message, /it has none/);
  });

  it('accepts only true or false for a boolean, in any case', () => {
    assert.equal(resolveParameters(defs, { DEPLOY: 'False' }).values[2]?.value, 'false');
    const err = catchSteward('STW_PARAMETER_INVALID', () => resolveParameters(defs, { DEPLOY: 'yes' }));
    assert.equal(err.message, 'parameter DEPLOY must be true or false');
    assert.equal(err.field, 'DEPLOY');
  });

  it('accepts only one of the choices, naming them', () => {
    const err = catchSteward('STW_PARAMETER_INVALID', () => resolveParameters(defs, { ENV: 'Production' }));
    assert.equal(err.message, 'parameter ENV must be one of "staging", "production"');
  });

  it('never repeats a given value in an error, so a password cannot leak', () => {
    const err = catchSteward('STW_PARAMETER_INVALID', () => resolveParameters(defs, { TOKN: 'hunter2' }));
    assert.doesNotMatch(JSON.stringify(err.toJSON()), /hunter2/);
    assert.doesNotMatch(err.message, /hunter2/);
  });
  it('refuses a NUL in a given value, naming the parameter: a build environment cannot carry it', () => {
    const err = catchSteward('STW_PARAMETER_INVALID', () => resolveParameters(defs, { RAW: 'a\u0000b' }));
    assert.equal(err.message, 'parameter RAW holds a NUL character (U+0000) at position 2; a build cannot be given it');
    assert.equal(err.field, 'RAW');
    catchSteward('STW_PARAMETER_INVALID', () => resolveParameters(defs, { TOKEN: '\u0000' }));
  });
});
