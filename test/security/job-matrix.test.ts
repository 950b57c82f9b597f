import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

import { parseXml } from '../../src/xml/index.js';
import {
  Permissions as P,
  ProjectMatrixAuthorizationStrategy,
  appliesToJob,
  jobMatrixObjections,
  parseJobAuthorization,
} from '../../src/security/index.js';

const mallory = { userId: 'mallory', groups: [] };
const global = new ProjectMatrixAuthorizationStrategy(['USER:hudson.model.Hudson.Administer:admin', 'GROUP:hudson.model.Hudson.Read:authenticated']);

function jobRoot(grants: string[]) {
  const lines = grants.map((g) => `\n    <permission>${g}</permission>`).join('');
  return parseXml(`<project>\n  <properties>\n   <hudson.security.AuthorizationMatrixProperty>${lines}\n   </hudson.security.AuthorizationMatrixProperty>\n  </properties>\n</project>`, 'jobs/j/config.xml').root;
}

describe("a job's own matrix", () => {
  test('a job grant of Overall/Administer gives nothing: not Job/Build on the job, not Administer anywhere', () => {
    const context = { jobGrants: ['USER:hudson.model.Item.Read:mallory', 'USER:hudson.model.Hudson.Administer:mallory'] };
    assert.ok(global.hasPermission(mallory, P.ITEM_READ, context), 'the job grant of Job/Read counts');
    for (const p of [P.ITEM_BUILD, P.ITEM_CONFIGURE, P.ITEM_DELETE, P.RUN_DELETE, P.ADMINISTER, P.COMPUTER_CONFIGURE, P.ITEM_CREATE]) {
      assert.ok(!global.hasPermission(mallory, p, context), p.id);
    }
    const closed = { ...context, jobInheritsGlobal: false };
    assert.ok(!global.hasPermission(mallory, P.ITEM_BUILD, closed), 'nor in a job that does not inherit');
  });

  test('job grants of Overall, Agent, View or Job/Create permissions count for nothing; Job, Run and SCM ones count', () => {
    const ignored = ['hudson.model.Hudson.Read', 'hudson.model.Hudson.Manage', 'hudson.security.Permission.GenericWrite', 'hudson.model.Computer.Configure', 'hudson.model.View.Configure', 'hudson.model.Item.Create'];
    for (const id of ignored) {
      const context = { jobGrants: [`USER:${id}:mallory`] };
      for (const p of Object.values(P)) assert.ok(!global.hasPermission(mallory, p, context) || global.hasPermission(mallory, p), `${id} gives ${p.id}`);
    }
    const context = { jobGrants: ['USER:hudson.model.Item.Delete:mallory', 'USER:hudson.model.Run.Update:mallory', 'USER:hudson.scm.SCM.Tag:mallory', 'USER:hudson.model.Item.Configure:mallory'] };
    for (const p of [P.ITEM_DELETE, P.RUN_UPDATE, P.SCM_TAG, P.ITEM_CONFIGURE, P.ITEM_EXTENDED_READ]) assert.ok(global.hasPermission(mallory, p, context), p.id);
    assert.ok(!global.hasPermission(mallory, P.ADMINISTER, context));
  });

  test('the permissions a job may grant are those Jenkins scopes to an item or a run', () => {
    const onJob = Object.values(P).filter(appliesToJob).map((p) => p.id).sort();
    assert.deepEqual(onJob, [
      'hudson.model.Item.Build',
      'hudson.model.Item.Cancel',
      'hudson.model.Item.Configure',
      'hudson.model.Item.Delete',
      'hudson.model.Item.Discover',
      'hudson.model.Item.ExtendedRead',
      'hudson.model.Item.Read',
      'hudson.model.Item.WipeOut',
      'hudson.model.Item.Workspace',
      'hudson.model.Run.Artifacts',
      'hudson.model.Run.Delete',
      'hudson.model.Run.Update',
      'hudson.scm.SCM.Tag',
    ]);
  });

  test('each grant a job may not make is reported with its permission, file, line and element; unknown permissions are not', () => {
    const root = jobRoot([
      'USER:hudson.model.Item.Build:mallory',
      'USER:hudson.model.Hudson.Administer:mallory',
      'USER:com.cloudbees.plugins.credentials.CredentialsProvider.View:mallory',
      'GROUP:hudson.model.Computer.Connect:ops',
    ]);
    const found = jobMatrixObjections(root);
    assert.deepEqual(
      found.map((e) => [e.code, e.file, e.line, e.field]),
      [
        ['STW_CONFIG_INVALID', 'jobs/j/config.xml', 5, 'properties/hudson.security.AuthorizationMatrixProperty/permission[2]'],
        ['STW_CONFIG_INVALID', 'jobs/j/config.xml', 7, 'properties/hudson.security.AuthorizationMatrixProperty/permission[4]'],
      ],
    );
    assert.match(found[0]!.message, /^jobs\/j\/config\.xml:5: .*hudson\.model\.Hudson\.Administer \(Overall\/Administer\)/);
    assert.match(found[1]!.message, /hudson\.model\.Computer\.Connect \(Agent\/Connect\)/);
    assert.deepEqual(jobMatrixObjections(jobRoot(['USER:hudson.model.Item.Read:x'])), []);
    assert.deepEqual(jobMatrixObjections(parseXml('<project/>', 'c.xml').root), []);
    assert.equal(parseJobAuthorization(root).grants.length, 4, 'the grants are read as written; the strategy decides what counts');
  });
});
