import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { parseFreestyleConfig } from '../../jobs/index.js';
import { at, fixture } from '../../../test/jobs/config/helpers.js';
import { parseEnvInjectWrapper, parseJavaProperties } from './index.js';

const full = parseFreestyleConfig(fixture('freestyle-full.xml'), 'jobs/shop-api/config.xml').config;

describe('EnvInject parser', () => {
  it('reads EnvInject properties content', () => {
    assert.deepEqual(parseEnvInjectWrapper(at(full.buildWrappers, 1).element).properties, {
      GRADLE_OPTS: '-Xmx2g -Dfile.encoding=UTF-8',
      REGISTRY: 'registry.example.com:5000',
      EMPTY: '',
      NODE_ENV: 'production',
    });
  });

  it('reads Java properties text: comments, separators, continuations and escapes', () => {
    const text = '! bang comment\n# hash comment\nA=1\nB:2\nC 3\n  D  =  spaced value  \nE=line\\\n    continued\nF=tab\\there\\u0041\nG\\=key=v\nH\n';
    assert.deepEqual(parseJavaProperties(text), {
      A: '1',
      B: '2',
      C: '3',
      D: 'spaced value  ',
      E: 'linecontinued',
      F: 'tab\thereA',
      'G=key': 'v',
      H: '',
    });
  });
});
