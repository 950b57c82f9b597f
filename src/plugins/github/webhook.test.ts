import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { describe, it } from 'node:test';
import { hookSecretIds } from './config.js';
import { signatureMatches } from './webhook.js';

describe('GitHub webhook signatures and shared secrets', () => {
  const body = Buffer.from('{"ref":"refs/heads/main"}');
  const sign = (secret: string) => `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;

  it('accepts the HMAC-SHA256 of the body with one of the secrets, and nothing else', () => {
    assert.equal(signatureMatches(sign('s2'), body, ['s1', 's2']), true);
    assert.equal(signatureMatches(sign('other'), body, ['s1', 's2']), false);
    assert.equal(signatureMatches(sign('s1'), Buffer.from('{"ref":"refs/heads/evil"}'), ['s1']), false);
    assert.equal(signatureMatches(sign('s1').replace('sha256=', 'sha1='), body, ['s1']), false);
    assert.equal(signatureMatches('sha256=abc', body, ['s1']), false);
    assert.equal(signatureMatches(sign('s1'), body, []), false);
  });

  it('reads the credentials ids of github-plugin-configuration.xml, in both of the plugin\'s shapes', () => {
    assert.deepEqual(hookSecretIds(undefined), []);
    assert.deepEqual(
      hookSecretIds(`<?xml version='1.1' encoding='UTF-8'?>
<github-plugin-configuration plugin="github@1.37.3">
  <configs/>
  <hookSecretConfigs>
    <org.jenkinsci.plugins.github.config.HookSecretConfig>
      <credentialsId>hook-a</credentialsId>
    </org.jenkinsci.plugins.github.config.HookSecretConfig>
    <org.jenkinsci.plugins.github.config.HookSecretConfig>
      <credentialsId>hook-b</credentialsId>
    </org.jenkinsci.plugins.github.config.HookSecretConfig>
  </hookSecretConfigs>
</github-plugin-configuration>`),
      ['hook-a', 'hook-b'],
    );
    assert.deepEqual(hookSecretIds('<github-plugin-configuration><hookSecretConfig><credentialsId>old</credentialsId></hookSecretConfig></github-plugin-configuration>'), ['old']);
    assert.deepEqual(hookSecretIds('<github-plugin-configuration><configs/></github-plugin-configuration>'), []);
  });
});
