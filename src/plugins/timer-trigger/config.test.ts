import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { parseFreestyleConfig } from '../../jobs/index.js';
import { at, fixture } from '../../../test/jobs/config/helpers.js';
import { parseTimerTrigger } from './index.js';

const full = parseFreestyleConfig(fixture('freestyle-full.xml'), 'jobs/shop-api/config.xml').config;
const jjb = parseFreestyleConfig(fixture('freestyle-jjb.xml'), 'jobs/jjb-everything/config.xml').config;

describe('timer trigger parser', () => {
  it('reads the timer trigger spec as written', () => {
    assert.deepEqual(parseTimerTrigger(at(full.triggers, 0).element), { spec: '# nightly, spread over the hour\nH 2 * * 1-5' });
  });

  it('reads the timer trigger spec as Jenkins Job Builder 3.11 writes it', () => {
    assert.deepEqual(parseTimerTrigger(at(jjb.triggers, 0).element), { spec: 'H 2 * * *' });
  });
});
