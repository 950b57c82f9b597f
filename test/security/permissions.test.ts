import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

import { isStewardError } from '../../src/errors/index.js';
import { ExtensionRegistry } from '../../src/extensions/index.js';
import { parseXml } from '../../src/xml/index.js';
import { STATUS_OF } from '../../src/web/errors.js';
import {
  ANONYMOUS,
  FullControlOnceLoggedInAuthorizationStrategy,
  GlobalMatrixAuthorizationStrategy,
  Permissions as P,
  ProjectMatrixAuthorizationStrategy,
  checkPermission,
  findPermission,
  parseAuthorizationStrategy,
  parseJobAuthorization,
  permissionDisplayName,
  registerBuiltInAuthorizationStrategies,
  type AuthorizationStrategy,
} from '../../src/security/index.js';

const bob = { userId: 'bob', groups: [] };
const admin = { userId: 'admin', groups: [] };
const dev = { userId: 'dora', groups: ['Developers'] };

function strategyFrom(xml: string): AuthorizationStrategy {
  const registry = new ExtensionRegistry();
  registerBuiltInAuthorizationStrategies(registry);
  const el = parseXml(`<hudson>${xml}</hudson>`, 'config.xml').root.child('authorizationStrategy');
  assert.ok(el);
  return parseAuthorizationStrategy(registry, el);
}

describe('permissions', () => {
  test('permission ids and display names are Jenkins ones', () => {
    assert.equal(P.ADMINISTER.id, 'hudson.model.Hudson.Administer');
    assert.equal(findPermission('hudson.model.Item.Build'), P.ITEM_BUILD);
    assert.equal(permissionDisplayName(P.ADMINISTER), 'Overall/Administer');
    assert.equal(permissionDisplayName(P.ITEM_BUILD), 'Job/Build');
    assert.equal(permissionDisplayName(P.RUN_DELETE), 'Run/Delete');
    assert.equal(permissionDisplayName(P.COMPUTER_CONNECT), 'Agent/Connect');
    assert.equal(findPermission('com.cloudbees.plugins.credentials.CredentialsProvider.View'), undefined);
  });

  test('a global matrix grants by user, group, authenticated and anonymous, following implication', () => {
    const s = strategyFrom(`
      <authorizationStrategy class="hudson.security.GlobalMatrixAuthorizationStrategy">
        <permission>USER:hudson.model.Hudson.Administer:admin</permission>
        <permission>hudson.model.Hudson.Read:authenticated</permission>
        <permission>GROUP:hudson.model.Item.Read:developers</permission>
        <permission>USER:hudson.model.Item.Build:Bob</permission>
        <permission>USER:hudson.model.Computer.Disconnect:bob</permission>
        <permission>USER:hudson.model.View.Read:anonymous</permission>
        <permission>USER:org.example.Unknown.Permission:bob</permission>
      </authorizationStrategy>`);
    // Administer implies everything, including permissions disabled by default.
    for (const p of Object.values(P)) assert.ok(s.hasPermission(admin, p), p.id);
    assert.ok(s.hasPermission(bob, P.READ), 'authenticated');
    assert.ok(!s.hasPermission(ANONYMOUS, P.READ));
    assert.ok(s.hasPermission(bob, P.ITEM_BUILD), 'user ids are case-insensitive');
    assert.ok(!s.hasPermission(bob, P.ITEM_READ), 'Build does not imply Read');
    assert.ok(s.hasPermission(bob, P.COMPUTER_CONNECT), 'Disconnect implies Connect');
    assert.ok(s.hasPermission(dev, P.ITEM_READ), 'group, case-insensitive');
    assert.ok(s.hasPermission(dev, P.ITEM_DISCOVER), 'Read implies Discover');
    assert.ok(!s.hasPermission(dev, P.ITEM_CONFIGURE));
    assert.ok(s.hasPermission(ANONYMOUS, P.VIEW_READ), 'anonymous grants apply to anonymous');
    assert.ok(s.hasPermission(bob, P.VIEW_READ), '...and to everyone');
    assert.ok(!s.hasPermission({ userId: 'developers', groups: [] }, P.ITEM_READ), 'a GROUP: grant is not a user grant');
  });

  test('the old grant form without a type matches a user or a group of that name', () => {
    const s = new GlobalMatrixAuthorizationStrategy(['hudson.model.Item.Read:ops', 'hudson.model.Hudson.Read:authenticated']);
    assert.ok(s.hasPermission({ userId: 'ops', groups: [] }, P.ITEM_READ));
    assert.ok(s.hasPermission({ userId: 'x', groups: ['ops'] }, P.ITEM_READ));
    assert.ok(s.hasPermission({ userId: 'x', groups: [] }, P.READ));
  });

  test('a project matrix adds the grants of the job to the global ones', () => {
    const s = strategyFrom(`
      <authorizationStrategy class="hudson.security.ProjectMatrixAuthorizationStrategy">
        <permission>USER:hudson.model.Hudson.Administer:admin</permission>
        <permission>GROUP:hudson.model.Hudson.Read:authenticated</permission>
      </authorizationStrategy>`);
    assert.ok(s instanceof ProjectMatrixAuthorizationStrategy);
    const job = parseXml(
      `<project><properties><hudson.security.AuthorizationMatrixProperty>
         <inheritanceStrategy class="org.jenkinsci.plugins.matrixauth.inheritance.InheritParentStrategy"/>
         <permission>USER:hudson.model.Item.Build:bob</permission>
         <permission>USER:hudson.model.Item.Read:bob</permission>
         <permission>GROUP:hudson.model.Item.Cancel:developers</permission>
       </hudson.security.AuthorizationMatrixProperty></properties><builders/></project>`,
      'jobs/j/config.xml',
    ).root;
    const auth = parseJobAuthorization(job);
    assert.equal(auth.inheritsGlobal, true);
    const context = { jobGrants: auth.grants };
    assert.ok(s.hasPermission(bob, P.ITEM_BUILD, context));
    assert.ok(s.hasPermission(bob, P.ITEM_DISCOVER, context));
    assert.ok(!s.hasPermission(bob, P.ITEM_BUILD), 'not without the job');
    assert.ok(s.hasPermission(bob, P.READ, context), 'global grants still apply');
    assert.ok(s.hasPermission(dev, P.ITEM_CANCEL, context));
    assert.ok(!s.hasPermission(dev, P.ITEM_BUILD, context));
    assert.ok(!s.hasPermission(bob, P.ITEM_DELETE, context));

    const closed = { jobGrants: ['USER:hudson.model.Item.Read:bob'], jobInheritsGlobal: false };
    assert.ok(!s.hasPermission(bob, P.READ, closed), 'a non-inheriting job drops global grants');
    assert.ok(s.hasPermission(admin, P.ITEM_DELETE, closed), '...but never Administer');
    assert.ok(s.hasPermission(bob, P.ITEM_READ, closed));
    assert.deepEqual(parseJobAuthorization(parseXml('<project/>', 'c.xml').root), { grants: [], inheritsGlobal: true });
  });

  test('logged-in users can do anything; anonymous reads only when allowed', () => {
    const closed = strategyFrom('<authorizationStrategy class="hudson.security.FullControlOnceLoggedInAuthorizationStrategy"/>');
    assert.ok(closed.hasPermission(bob, P.ADMINISTER));
    assert.ok(!closed.hasPermission(ANONYMOUS, P.READ));
    const open = strategyFrom(
      '<authorizationStrategy class="hudson.security.FullControlOnceLoggedInAuthorizationStrategy"><denyAnonymousReadAccess>false</denyAnonymousReadAccess></authorizationStrategy>',
    );
    assert.ok(open instanceof FullControlOnceLoggedInAuthorizationStrategy && open.allowAnonymousRead);
    assert.ok(open.hasPermission(ANONYMOUS, P.READ));
    assert.ok(open.hasPermission(ANONYMOUS, P.ITEM_READ));
    assert.ok(open.hasPermission(ANONYMOUS, P.ITEM_DISCOVER));
    assert.ok(!open.hasPermission(ANONYMOUS, P.ITEM_BUILD));
    assert.ok(!open.hasPermission(ANONYMOUS, P.ADMINISTER));
  });

  test('an authorization strategy that is not installed is refused, naming the file', () => {
    assert.throws(
      () => strategyFrom('<authorizationStrategy class="com.michelin.cio.hudson.plugins.rolestrategy.RoleBasedAuthorizationStrategy"/>'),
      (e: unknown) => isStewardError(e, 'STW_CONFIG_INVALID') && e.file === 'config.xml' && /RoleBased/.test(e.message),
    );
  });

  test('a missing permission is 401 for anonymous and 403 for a user, named as Jenkins names it', () => {
    const s = new GlobalMatrixAuthorizationStrategy(['USER:hudson.model.Hudson.Read:bob']);
    assert.doesNotThrow(() => checkPermission(s, bob, P.READ));
    assert.throws(
      () => checkPermission(s, bob, P.ITEM_BUILD),
      (e: unknown) => isStewardError(e, 'STW_FORBIDDEN') && e.message === 'bob is missing the Job/Build permission',
    );
    assert.throws(
      () => checkPermission(s, ANONYMOUS, P.READ),
      (e: unknown) => isStewardError(e, 'STW_AUTH_REQUIRED') && e.message === 'anonymous is missing the Overall/Read permission',
    );
    assert.equal(STATUS_OF.STW_AUTH_REQUIRED, 401);
    assert.equal(STATUS_OF.STW_FORBIDDEN, 403);
  });
});
