import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { parseFreestyleConfig } from '../../jobs/index.js';
import { at, fixture } from '../../../test/jobs/config/helpers.js';
import { parseScmTrigger } from './index.js';

const full = parseFreestyleConfig(fixture('freestyle-full.xml'), 'jobs/shop-api/config.xml').config;
const jjb = parseFreestyleConfig(fixture('freestyle-jjb.xml'), 'jobs/jjb-everything/config.xml').config;

describe('SCM trigger parser', () => {
  it('reads the SCM trigger spec and ignorePostCommitHooks as written', () => {
    assert.deepEqual(parseScmTrigger(at(full.triggers, 1).element), { spec: 'H/15 * * * *', ignorePostCommitHooks: false });
  });
  it('reads the SCM trigger as Jenkins Job Builder 3.11 writes it', () => {
    assert.deepEqual(parseScmTrigger(at(jjb.triggers, 1).element), { spec: 'H/15 * * * *', ignorePostCommitHooks: false });
  });
});
