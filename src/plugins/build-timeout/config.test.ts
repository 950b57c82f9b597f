import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { parseFreestyleConfig } from '../../jobs/index.js';
import { parseXml } from '../../xml/index.js';
import { at, catchSteward, fixture } from '../../../test/jobs/config/helpers.js';
import { parseBuildTimeoutWrapper } from './index.js';

const full = parseFreestyleConfig(fixture('freestyle-full.xml'), 'jobs/shop-api/config.xml').config;
const old = parseFreestyleConfig(fixture('freestyle-old-forms.xml'), 'jobs/old/config.xml').config;
const jjb = parseFreestyleConfig(fixture('freestyle-jjb.xml'), 'jobs/jjb-everything/config.xml').config;

describe('build timeout parser', () => {
  it('reads an absolute build timeout with the fail operation', () => {
    assert.deepEqual(parseBuildTimeoutWrapper(at(full.buildWrappers, 0).element), { timeoutMinutes: 30, failBuild: true, abortBuild: false });
  });

  it('aborts on timeout when no operation is configured, and reads both operations together', () => {
    const wrapper = (ops: string) =>
      parseXml(
        `<hudson.plugins.build__timeout.BuildTimeoutWrapper><strategy class="hudson.plugins.build_timeout.impl.AbsoluteTimeOutStrategy"><timeoutMinutes>3</timeoutMinutes></strategy>${ops}</hudson.plugins.build__timeout.BuildTimeoutWrapper>`,
        'f.xml',
      ).root;
    assert.deepEqual(parseBuildTimeoutWrapper(wrapper('<operationList/>')), { timeoutMinutes: 3, failBuild: false, abortBuild: true });
    assert.deepEqual(parseBuildTimeoutWrapper(wrapper('')), { timeoutMinutes: 3, failBuild: false, abortBuild: true });
    const both = '<operationList><hudson.plugins.build__timeout.operations.AbortOperation/><hudson.plugins.build__timeout.operations.FailOperation/></operationList>';
    assert.deepEqual(parseBuildTimeoutWrapper(wrapper(both)), { timeoutMinutes: 3, failBuild: true, abortBuild: true });
  });

  it('reads the pre-1.12 timeout form and reports other strategies as unsupported', () => {
    assert.deepEqual(parseBuildTimeoutWrapper(at(old.buildWrappers, 0).element), { timeoutMinutes: 45, failBuild: true, abortBuild: false });
    assert.equal(parseBuildTimeoutWrapper(at(old.buildWrappers, 1).element), undefined);
    const elastic = parseXml('<w><timeoutMinutes>3</timeoutMinutes><timeoutType>elastic</timeoutType></w>', 'f.xml').root;
    assert.equal(parseBuildTimeoutWrapper(elastic), undefined);
  });

  it('refuses a timeout that is missing or below one minute', () => {
    const missing = parseXml('<w><strategy class="hudson.plugins.build_timeout.impl.AbsoluteTimeOutStrategy"/></w>', 'f.xml').root;
    assert.equal(catchSteward('STW_CONFIG_INVALID', () => parseBuildTimeoutWrapper(missing)).field, 'strategy/timeoutMinutes');
    const zero = parseXml('<w><strategy class="hudson.plugins.build_timeout.impl.AbsoluteTimeOutStrategy"><timeoutMinutes>0</timeoutMinutes></strategy></w>', 'f.xml').root;
    assert.equal(catchSteward('STW_CONFIG_INVALID', () => parseBuildTimeoutWrapper(zero)).field, 'strategy/timeoutMinutes');
  });

  it('reads the timeout as Jenkins Job Builder 3.11 writes it', () => {
    assert.deepEqual(parseBuildTimeoutWrapper(at(jjb.buildWrappers, 0).element), { timeoutMinutes: 10, failBuild: true, abortBuild: false });
  });
});
