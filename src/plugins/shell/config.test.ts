import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { parseFreestyleConfig } from '../../jobs/index.js';
import { parseXml } from '../../xml/index.js';
import { at, catchSteward, fixture } from '../../../test/jobs/config/helpers.js';
import { parseShellStep } from './index.js';

const full = parseFreestyleConfig(fixture('freestyle-full.xml'), 'jobs/shop-api/config.xml').config;
const jjb = parseFreestyleConfig(fixture('freestyle-jjb.xml'), 'jobs/jjb-everything/config.xml').config;

describe('shell step parser', () => {
  it('reads a shell command with its quotes, redirections and newlines decoded', () => {
    assert.deepEqual(parseShellStep(at(full.builders, 0).element), {
      command:
        '#!/bin/bash -eu\necho "Building ${BRANCH} for ${ENVIRONMENT}"\nif [ -n "$RELEASE_NOTES" ] && [ "$DEPLOY" = true ]; then\n' +
        "  printf '%s\\n' \"$RELEASE_NOTES\" > notes.txt\nfi\nmake test 2>&1 | tee build.log",
      unstableReturn: undefined,
    });
    assert.deepEqual(parseShellStep(at(full.builders, 1).element), { command: './scripts/package.sh < version.txt', unstableReturn: 3 });
  });

  it('refuses a shell unstableReturn that is not a number', () => {
    const el = parseXml('<hudson.tasks.Shell><command>x</command><unstableReturn>one</unstableReturn></hudson.tasks.Shell>', 'f.xml').root;
    assert.equal(catchSteward('STW_CONFIG_INVALID', () => parseShellStep(el)).field, 'unstableReturn');
  });

  it('reads the shell step as Jenkins Job Builder 3.11 writes it', () => {
    assert.deepEqual(parseShellStep(at(jjb.builders, 0).element), { command: 'echo "$GREETING" > out.txt', unstableReturn: undefined });
  });
});
