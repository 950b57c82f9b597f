/**
 * The Kubernetes manifests of deploy/kubernetes, checked without a cluster: each file parses as
 * YAML (PyYAML, as kubectl's YAML 1.1 reads it), each document is a Kubernetes object, the
 * options the containers give `steward` are options `steward ... --help` lists, and the HA set-up
 * holds together (selectors, probes, the handover's time, the lease and its Redis).
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { describe, test } from 'node:test';
import { parseLeaseUrl } from '../../src/ha/index.js';
import { REPO, STEWARD_BIN } from '../support/steward-process.js';

const DIR = path.join(REPO, 'deploy', 'kubernetes');

type Obj = Record<string, unknown>;
interface Container {
  name: string;
  image: string;
  args?: string[];
  env?: { name: string; value?: string; valueFrom?: unknown }[];
  readinessProbe?: { httpGet?: { path: string } };
  lifecycle?: { preStop?: { exec?: { command: string[] } } };
  volumeMounts?: { name: string }[];
}
interface PodSpec {
  containers: Container[];
  volumes?: { name: string; persistentVolumeClaim?: { claimName: string }; secret?: { secretName: string } }[];
  terminationGracePeriodSeconds?: number;
}

function yamlFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? yamlFiles(path.join(dir, e.name)) : e.name.endsWith('.yaml') ? [path.join(dir, e.name)] : [],
  );
}

/** Every document of each file, read by PyYAML (safe_load_all) and handed over as JSON. */
function load(files: string[]): Map<string, Obj[]> {
  const script = 'import json, sys, yaml\nprint(json.dumps({f: [d for d in yaml.safe_load_all(open(f)) if d is not None] for f in sys.argv[1:]}))';
  const r = spawnSync('/usr/bin/python3', ['-c', script, ...files], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  return new Map(Object.entries(JSON.parse(r.stdout) as Record<string, Obj[]>));
}

/** The long options `steward <command...> --help` lists. */
function optionsOf(command: string[]): Set<string> {
  const r = spawnSync(process.execPath, [STEWARD_BIN, ...command, '--help'], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  return new Set(r.stdout.match(/--[a-z][a-z-]*/g) ?? []);
}

function helpText(command: string[]): string {
  return spawnSync(process.execPath, [STEWARD_BIN, ...command, '--help'], { encoding: 'utf8' }).stdout;
}

const files = yamlFiles(DIR);
const docs = load(files);
const all = [...docs.values()].flat();
const ha = (docs.get(path.join(DIR, 'ha', 'steward.yaml')) ?? []).concat(docs.get(path.join(DIR, 'ha', 'lease-redis.yaml')) ?? [], docs.get(path.join(DIR, 'ha', 'agent.yaml')) ?? []);
const byKind = (kind: string, name: string, from = ha): Obj => {
  const found = from.find((d) => d.kind === kind && (d.metadata as Obj).name === name);
  assert.ok(found !== undefined, `a ${kind} ${name}`);
  return found;
};
const podOf = (o: Obj): { labels: Obj; spec: PodSpec } => {
  const template = (o.spec as Obj).template as { metadata: { labels: Obj }; spec: PodSpec };
  return { labels: template.metadata.labels, spec: template.spec };
};
const stewardContainers = (): { where: string; c: Container }[] =>
  all.flatMap((d) => {
    const spec = d.spec as Obj | undefined;
    if (spec?.template === undefined) return [];
    return podOf(d).spec.containers.filter((c) => c.image.startsWith('steward:')).map((c) => ({ where: `${String(d.kind)} ${String((d.metadata as Obj).name)}`, c }));
  });

describe('the Kubernetes manifests', () => {
  test('every file parses and every document is a Kubernetes object with apiVersion, kind and a name', () => {
    assert.ok(files.some((f) => f.endsWith(path.join('ha', 'steward.yaml'))), 'the HA set-up is there');
    assert.ok(files.some((f) => f.endsWith(path.join('kubernetes', 'steward.yaml'))), 'the single controller is still there');
    for (const [file, list] of docs) {
      assert.ok(list.length > 0, `${file} holds documents`);
      for (const d of list) {
        assert.match(String(d.apiVersion), /^([a-z.]+\/)?v\d/, `${file}: apiVersion of ${JSON.stringify(d).slice(0, 80)}`);
        assert.match(String(d.kind), /^[A-Z][A-Za-z]+$/, `${file}: kind`);
        assert.equal(typeof (d.metadata as Obj | undefined)?.name, 'string', `${file}: metadata.name of a ${String(d.kind)}`);
      }
    }
  });

  test("the steward containers' options are those steward start, steward agent and steward ha handover list", () => {
    const seen = stewardContainers();
    assert.ok(seen.length >= 3);
    for (const { where, c } of seen) {
      const args = c.args ?? [];
      const command = args[0];
      assert.ok(command === 'start' || command === 'agent', `${where}: steward ${command}`);
      const known = optionsOf([command]);
      for (const a of args.filter((x) => x.startsWith('--'))) assert.ok(known.has(a), `${where}: steward ${command} has no option ${a}`);
      const help = helpText([command]);
      for (const e of c.env ?? []) if (e.name.startsWith('STEWARD_')) assert.ok(help.includes(`$${e.name}`), `${where}: steward ${command} reads no ${e.name}`);
      const preStop = c.lifecycle?.preStop?.exec?.command.join(' ');
      if (preStop !== undefined) {
        const m = /steward\.js (ha handover)(.*?)(\|\||$)/.exec(preStop);
        assert.ok(m !== null, `${where}: the preStop hook runs steward ha handover: ${preStop}`);
        const handoverOptions = optionsOf(['ha', 'handover']);
        for (const a of (m[2] ?? '').split(/\s+/).filter((x) => x.startsWith('--'))) assert.ok(handoverOptions.has(a), `${where}: steward ha handover has no option ${a}`);
      }
    }
  });

  test('HA: two controllers on a ReadWriteMany home and the Redis lease, ready only when active, handing over before they stop', () => {
    const set = byKind('StatefulSet', 'steward');
    const spec = set.spec as { replicas: number; updateStrategy: { type: string } };
    assert.equal(spec.replicas, 2);
    assert.equal(spec.updateStrategy.type, 'OnDelete');
    const pod = podOf(set);
    const c = pod.spec.containers[0] as Container;
    const args = c.args ?? [];
    const lock = args[args.indexOf('--lock') + 1] ?? '';
    const lease = parseLeaseUrl(lock);
    assert.equal(lease.kind, 'redis');
    assert.match(lock, /^redis:\/\/steward-lease:6379\//, 'the lease is the Redis Service');
    const redisService = byKind('Service', 'steward-lease');
    const redis = byKind('Deployment', 'steward-lease');
    assert.deepEqual((redisService.spec as Obj).selector, podOf(redis).labels);
    const redisArgs = (podOf(redis).spec.containers[0] as Container).args ?? [];
    const after = (flag: string) => redisArgs[redisArgs.indexOf(flag) + 1];
    assert.equal(after('--maxmemory-policy'), 'noeviction');
    assert.equal(after('--appendonly'), 'yes');

    // The home: one ReadWriteMany claim mounted by both controllers.
    const homeVolume = pod.spec.volumes?.find((v) => v.persistentVolumeClaim !== undefined);
    const claim = byKind('PersistentVolumeClaim', homeVolume?.persistentVolumeClaim?.claimName ?? '');
    assert.deepEqual((claim.spec as Obj).accessModes, ['ReadWriteMany']);
    assert.ok(c.volumeMounts?.some((m) => m.name === homeVolume?.name));

    // Ready when active; the Service and the budget select the controllers.
    assert.equal(c.readinessProbe?.httpGet?.path, '/health/ready');
    assert.deepEqual((byKind('Service', 'steward').spec as Obj).selector, pod.labels);
    assert.deepEqual(((byKind('PodDisruptionBudget', 'steward').spec as Obj).selector as Obj).matchLabels, pod.labels);

    // --advertise-url from the pod's IP, through the downward API.
    const env = c.env ?? [];
    const advertise = env.find((e) => e.name === 'STEWARD_ADVERTISE_URL');
    assert.equal(advertise?.value, 'http://$(POD_IP):8080/');
    const podIp = env.findIndex((e) => e.name === 'POD_IP');
    assert.deepEqual(env[podIp]?.valueFrom, { fieldRef: { fieldPath: 'status.podIP' } });
    assert.ok(podIp < env.indexOf(advertise), 'POD_IP is defined before it is used');

    // The handover waits for built-in builds up to its timeout; the pod is given longer than that.
    const preStop = c.lifecycle?.preStop?.exec?.command.join(' ') ?? '';
    const timeout = Number(/--timeout (\d+)s/.exec(preStop)?.[1]);
    assert.ok(timeout > 0 && (pod.spec.terminationGracePeriodSeconds ?? 30) > timeout, `terminationGracePeriodSeconds ${pod.spec.terminationGracePeriodSeconds} > --timeout ${timeout}s`);
    assert.match(preStop, /--auth @\/etc\/steward-admin\/auth/);
    assert.ok(pod.spec.volumes?.some((v) => v.secret?.secretName === 'steward-admin'));
  });

  test("HA: the agent connects through the controllers' Service with its secret from a Secret", () => {
    const agent = byKind('Deployment', 'steward-agent-linux-1');
    const pod = podOf(agent);
    const args = (pod.spec.containers[0] as Container).args ?? [];
    assert.equal(args[0], 'agent');
    const url = new URL(args[args.indexOf('--url') + 1] ?? '');
    const service = byKind('Service', 'steward');
    assert.equal(url.hostname, 'steward');
    assert.equal(Number(url.port), ((service.spec as { ports: { port: number }[] }).ports[0] as { port: number }).port);
    const secret = args[args.indexOf('--secret') + 1] ?? '';
    assert.match(secret, /^@\/etc\/steward-agent\//, 'the secret is read from a file, not given on the command line');
    assert.ok(pod.spec.volumes?.some((v) => v.secret?.secretName === 'steward-agent-linux-1'));
  });
});
