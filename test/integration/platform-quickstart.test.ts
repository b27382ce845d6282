// The README quickstart, command by command, read from README.md itself: `helm install` for
// real, `kubectl apply` of the sample, `kubectl get rpt`, `kubectl wait --for=condition=Ready`.
// The test control plane has no kubelet, so the Deployment's pods never run; in their place the
// test runs one operator process per replica configured exactly from the installed Deployment
// (its args, its env resolved from the chart's Secrets), swapping only what the pod's
// environment would provide: the ServiceAccount's token (TokenRequest) for the in-cluster
// config, the vendor (the emulator, configured with the README's credentials and the chart's
// callback token, as the vendor console would be) and free local ports. So the chart's
// configuration, RBAC included, is what makes the quickstart work.
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { CoreV1Api, KubeConfig } from '@kubernetes/client-node';
import pino from 'pino';
import { parse as parseYaml } from 'yaml';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startEmulator } from '../../src/emulator/server.js';
import { REPO_ROOT, helm, parseManifests, theOne, type Deployment } from '../harness/helm.js';
import { injectedKubeconfigPath, kubectl } from '../harness/kube.js';
import {
  OperatorProcess,
  eventually,
  httpGet,
  killAllOperatorProcesses,
  printOperatorLogsOnFailure,
  listenFlags,
  listenPorts,
  processConfigFromDeployment,
  serviceAccountKubeconfig,
  type ListenPorts,
} from '../harness/operator-process.js';

const PLACEHOLDERS = { YOUR_RESTFUL_ID: 'quickstart-id', YOUR_RESTFUL_SECRET: 'quickstart-secret-3f9c' };

/** The commands of the README's Quickstart block: continuation lines joined, comments dropped, split into words. */
function quickstartCommands(readme: string): string[][] {
  const section = readme.slice(readme.search(/^## Quickstart/m));
  const block = /```(?:sh|bash|shell)\n([\s\S]*?)```/.exec(section)?.[1];
  if (block === undefined) throw new Error('README.md has no ```sh block under "## Quickstart"');
  return block
    .replace(/\\\n/g, ' ')
    .split('\n')
    .map((line) => line.replace(/(^|\s)#.*$/, '').trim())
    .filter((line) => line !== '')
    .map(shellWords);
}

function shellWords(line: string): string[] {
  const words: string[] = [];
  for (const m of line.matchAll(/'([^']*)'|"((?:[^"\\]|\\.)*)"|(\S+)/g)) words.push(m[1] ?? m[2]?.replace(/\\(.)/g, '$1') ?? m[3] ?? '');
  return words.map((w) => w.replace(/YOUR_RESTFUL_ID|YOUR_RESTFUL_SECRET/g, (p) => PLACEHOLDERS[p as keyof typeof PLACEHOLDERS]));
}

function flag(args: readonly string[], ...names: string[]): string | undefined {
  for (let i = 0; i < args.length; i++) {
    const a = args[i] ?? '';
    for (const n of names) {
      if (a === n) return args[i + 1];
      if (a.startsWith(`${n}=`)) return a.slice(n.length + 1);
    }
  }
  return undefined;
}

describe('the README quickstart', () => {
  printOperatorLogsOnFailure();
  const admin = injectedKubeconfigPath();
  const adminKc = new KubeConfig();
  adminKc.loadFromFile(admin);
  let commands: string[][];
  let emulator: Awaited<ReturnType<typeof startEmulator>> | undefined;
  let tmp: string;
  let release = '';
  let namespace = '';
  const replicas: Array<{ proc: OperatorProcess; ports: ListenPorts }> = [];
  const helmIn = (args: readonly string[]) => helm([...args, '--kubeconfig', admin, '--kube-insecure-skip-tls-verify'], { timeoutMs: 120_000 });
  const kubectlStep = (args: readonly string[]) =>
    kubectl(
      // Paths are relative to the repository root, where the README's commands run; `get -w`
      // would never end, so the test reads the list once.
      args.filter((a) => a !== '-w' && a !== '--watch').map((a, i, all) => (all[i - 1] === '-f' && !path.isAbsolute(a) ? path.join(REPO_ROOT, a) : a)),
      { timeoutMs: 150_000 },
    );

  beforeAll(async () => {
    commands = quickstartCommands(await readFile(path.join(REPO_ROOT, 'README.md'), 'utf8'));
    tmp = await mkdtemp(path.join(tmpdir(), 'rpo-quickstart-'));
  });

  // The steps build on each other: after a failure the rest is skipped, not left to time out.
  let failedStep: string | undefined;
  beforeEach(({ skip }) => {
    if (failedStep !== undefined) skip(`an earlier step failed: ${failedStep}`);
  });
  afterEach(({ task }) => {
    if (task.result?.state === 'fail') failedStep ??= task.name;
  });

  afterAll(async () => {
    // Stop the sample's push while an operator still runs, so its finalizer does not hang.
    if (replicas.some((r) => !r.proc.hasExited())) await kubectl(['delete', '--ignore-not-found', '--wait=true', '--timeout=30s', 'rtmppushtask/mixed-input-layout', '-n', 'default']);
    await killAllOperatorProcesses();
    if (release !== '') await helmIn(['uninstall', release, '-n', namespace]);
    await emulator?.close();
    await rm(tmp, { recursive: true, force: true });
  });

  it('is helm install, kubectl apply, kubectl get rpt, kubectl wait', () => {
    expect(commands.map((c) => c.slice(0, 2).join(' '))).toEqual(['helm install', 'kubectl apply', 'kubectl get', 'kubectl wait']);
  });

  it('step 1: helm install creates the release', async () => {
    const install = commands[0] ?? [];
    release = install[2] ?? '';
    namespace = flag(install, '-n', '--namespace') ?? '';
    expect(release).not.toBe('');
    expect(namespace).not.toBe('');
    const result = await helmIn(install.slice(1));
    expect(result.code, `${install.join(' ')}\n${result.stderr}`).toBe(0);
    expect(result.stdout).toContain('/jocloud/callback?token=');
  });

  it("the chart's Deployment runs: one operator process per replica, configured from it", async () => {
    const manifest = await helmIn(['get', 'manifest', release, '-n', namespace]);
    expect(manifest.code, manifest.stderr).toBe(0);
    const deployment = theOne<Deployment>(parseManifests(manifest.stdout), 'Deployment');
    const core = adminKc.makeApiClient(CoreV1Api);
    const readSecretKey = async (name: string, key: string): Promise<string> => {
      const secret = await core.readNamespacedSecret({ name, namespace });
      const value = secret.data?.[key];
      if (value === undefined) throw new Error(`Secret ${namespace}/${name} has no key ${key}`);
      return Buffer.from(value, 'base64').toString('utf8');
    };
    const config = await processConfigFromDeployment(deployment, readSecretKey, { name: 'quickstart-0', namespace });
    const callbackToken = config.env.RTMP_OPERATOR_CALLBACK_TOKEN;
    expect(callbackToken).toMatch(/^\S{20,}$/);

    // The vendor side, set up as the README and NOTES say: the account of the credentials given
    // to helm, the appid of the sample, and the callback URL with the chart's token.
    const sample = parseYaml(await readFile(path.join(REPO_ROOT, 'config/samples/rtmp.jocloud.com_v1alpha1_rtmppushtask.yaml'), 'utf8')) as { spec: { appid: string } };
    const ports = await Promise.all(Array.from({ length: config.replicas }, () => listenPorts()));
    emulator = await startEmulator({
      accounts: [{ appid: sample.spec.appid, restfulId: PLACEHOLDERS.YOUR_RESTFUL_ID, restfulSecret: PLACEHOLDERS.YOUR_RESTFUL_SECRET }],
      callbackUrl: `http://127.0.0.1:${ports[0]?.callback ?? 0}/jocloud/callback?token=${encodeURIComponent(callbackToken ?? '')}`,
      callbackIntervalMs: 60_000,
      logger: pino({ level: 'silent' }),
    });

    const sa = await serviceAccountKubeconfig(adminKc, namespace, config.serviceAccountName, tmp);
    expect(config.replicas).toBe(2);
    for (const [i, p] of ports.entries()) {
      const name = `quickstart-${i}`;
      const { env } = await processConfigFromDeployment(deployment, readSecretKey, { name, namespace });
      const proc = OperatorProcess.start({
        name,
        args: [...config.args, `--kubeconfig=${sa.path}`, `--jocloud-endpoint=${emulator.url}`, ...listenFlags(p)],
        env,
      });
      replicas.push({ proc, ports: p });
    }
    // As the readiness probe would: every replica ready, one of them leading.
    for (const r of replicas) {
      await eventually(`${r.proc.name} /readyz`, async () => ((await httpGet(r.ports.health, '/readyz')).status === 200 ? true : undefined));
    }
    await eventually('a leader', () => (replicas.some((r) => r.proc.records().some((l) => l.msg === 'became leader')) ? true : undefined));
  });

  it('step 2: kubectl apply of the sample', async () => {
    const result = await kubectlStep((commands[1] ?? []).slice(1));
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain('rtmppushtask.rtmp.jocloud.com/mixed-input-layout');
  });

  it('step 3: kubectl get rpt lists it, and kubectl wait sees it Ready', async () => {
    const wait = await kubectlStep((commands[3] ?? []).slice(1));
    expect(wait.code, `${wait.stdout}\n${wait.stderr}\n${replicas.map((r) => r.proc.tail(15)).join('\n')}`).toBe(0);
    expect(wait.stdout).toContain('condition met');
    const get = await kubectlStep((commands[2] ?? []).slice(1));
    expect(get.code, get.stderr).toBe(0);
    expect(get.stdout).toMatch(/^mixed-input-layout\s/m);

    const starts = (await emulator?.control.calls('startrtmp')) ?? [];
    expect(starts.filter((c) => (c.body as { taskid?: string } | null)?.taskid === 'biz007').map((c) => c.code)).toEqual([0]);
    for (const r of replicas) expect(r.proc.lines.filter((l) => /forbidden|\b403\b/i.test(l))).toEqual([]);
  });

  it('deleting the sample stops the push, and the replicas exit 0 on SIGTERM', async () => {
    const deleted = await kubectl(['delete', 'rtmppushtask/mixed-input-layout', '-n', 'default', '--wait=true', '--timeout=30s']);
    expect(deleted.code, deleted.stderr).toBe(0);
    const stops = (await emulator?.control.calls('stoprtmp')) ?? [];
    expect(stops.filter((c) => (c.body as { taskid?: string } | null)?.taskid === 'biz007').map((c) => c.code)).toEqual([0]);
    const exits = await Promise.all(replicas.map((r) => r.proc.terminate()));
    expect(exits.map((e) => e.code)).toEqual(replicas.map(() => 0));
  });
});
