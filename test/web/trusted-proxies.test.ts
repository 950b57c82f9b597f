import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

import { isStewardError } from '../../src/errors/index.js';
import { parseTrustedProxies } from '../../src/web/index.js';

describe('trusted proxies', () => {
  test('addresses and CIDR ranges of both families are read from a comma-separated list', () => {
    assert.deepEqual(parseTrustedProxies(' 10.0.0.0/8, 192.0.2.7,fd00::/8,::1 ', '--trusted-proxy'), ['10.0.0.0/8', '192.0.2.7', 'fd00::/8', '::1']);
    assert.deepEqual(parseTrustedProxies('', 'STEWARD_TRUSTED_PROXIES'), []);
  });

  test('an entry that is not an address or range is refused, naming it and where it came from', () => {
    for (const bad of ['proxy.example.com', '10.0.0.0/33', '10.0.0.1/', '::1/129', '10.0.0.0/8/8']) {
      assert.throws(
        () => parseTrustedProxies(`192.0.2.1,${bad}`, 'STEWARD_TRUSTED_PROXIES'),
        (e: unknown) => isStewardError(e, 'STW_REQUEST_INVALID') && e.message.startsWith(`STEWARD_TRUSTED_PROXIES: "${bad}" is not an IP address`),
        bad,
      );
    }
  });
});
