// `npm start`: the whole product on one machine, for a first look. Brings up a local control plane
// (the integration-test harness: KUBEBUILDER_ASSETS, k3s in Docker, or cached etcd +
// kube-apiserver), the vendor emulator, installs the CRD and a credentials Secret, runs the
// operator in this process, applies the samples and prints the tasks as they converge.
// Ctrl-C stops everything. To run against a real cluster and vendor use `rtmp-push-operator run`.
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { CustomObjectsApi } from '@kubernetes/client-node';
import pino from 'pino';
import { CRD_FILE } from '../src/api/v1alpha1/crd-files.js';
import { GROUP, PLURAL, VERSION } from '../src/api/v1alpha1/constants.js';
import { startEmulator } from '../src/emulator/server.js';
import { runOperator } from '../src/manager/operator.js';
import { startControlPlane } from '../test/harness/control-plane.js';
import { runKubectl } from '../test/harness/kubectl.js';
import { freePort } from '../test/harness/process.js';

const root = path.resolve(import.meta.dirname, '..');
const NAMESPACE = 'default';
const CALLBACK_TOKEN = 'dev-callback-token';

interface Row {
  name: string;
  roomid: string;
  streamtype: string;
  taskid: string;
  synced: string;
  streaming: string;
  ready: string;
  message: string;
}

function rowsOf(items: unknown[]): Row[] {
  return items.map((raw) => {
    const o = raw as { metadata?: { name?: string }; spec?: { roomid?: string; streamtype?: number }; status?: { taskid?: string; conditions?: Array<{ type: string; status: string; reason: string; message?: string }> } };
    const cond = (t: string): { status: string; reason: string; message?: string } | undefined => o.status?.conditions?.find((c) => c.type === t);
    const fmt = (t: string): string => {
      const c = cond(t);
      return c === undefined ? '-' : `${c.status}/${c.reason}`;
    };
    const ready = cond('Ready');
    return {
      name: o.metadata?.name ?? '',
      roomid: o.spec?.roomid ?? '',
      streamtype: String(o.spec?.streamtype ?? ''),
      taskid: o.status?.taskid ?? '',
      synced: fmt('Synced'),
      streaming: fmt('Streaming'),
      ready: fmt('Ready'),
      message: ready?.status === 'True' ? '' : (ready?.message ?? ''),
    };
  });
}

function table(rows: Row[]): string {
  const header: Row = { name: 'NAME', roomid: 'ROOMID', streamtype: 'TYPE', taskid: 'TASKID', synced: 'SYNCED', streaming: 'STREAMING', ready: 'READY', message: 'MESSAGE' };
  const all = [header, ...rows];
  const keys = Object.keys(header) as Array<keyof Row>;
  const widths = keys.map((k) => Math.max(...all.map((r) => r[k].length)));
  return all.map((r) => keys.map((k, i) => (k === 'message' ? r[k] : r[k].padEnd(widths[i] ?? 0))).join('  ')).join('\n');
}

async function main(): Promise<void> {
  const work = await mkdtemp(path.join(tmpdir(), 'rtmp-push-operator-dev-'));
  const logFile = path.join(work, 'operator.log');
  console.log('Starting a local control plane (the first run provisions etcd + kube-apiserver, a few minutes)...');
  const cp = await startControlPlane();
  const kube = (args: string[], input?: string): ReturnType<typeof runKubectl> => runKubectl(cp.kubeconfigPath, args, input !== undefined ? { input } : {});
  const stop = new AbortController();
  let emulator: Awaited<ReturnType<typeof startEmulator>> | undefined;
  try {
    console.log(`Control plane: ${cp.description}`);
    const must = async (args: string[], input?: string): Promise<string> => {
      const r = await kube(args, input);
      if (r.code !== 0) throw new Error(`kubectl ${args.join(' ')}: ${r.stderr}`);
      return r.stdout;
    };
    await must(['apply', '-f', path.join(root, CRD_FILE)]);
    await must(['wait', '--for=condition=Established', `crd/${PLURAL}.${GROUP}`, '--timeout=60s']);

    const callbackPort = await freePort();
    emulator = await startEmulator({
      host: '127.0.0.1',
      port: 0,
      callbackUrl: `http://127.0.0.1:${callbackPort}/jocloud/callback?token=${CALLBACK_TOKEN}`,
      callbackIntervalMs: 5_000,
      logger: pino({ level: 'silent' }),
    });
    const account = emulator.accounts[0];
    if (account === undefined) throw new Error('the emulator has no account');
    await must(
      ['apply', '-f', '-'],
      JSON.stringify({
        apiVersion: 'v1',
        kind: 'Secret',
        metadata: { name: 'jocloud-credentials', namespace: NAMESPACE },
        stringData: { restfulId: account.restfulId, restfulSecret: account.restfulSecret },
      }),
    );
    console.log(`Vendor emulator: ${emulator.url} (control API at ${emulator.url}/_emulator/tasks)`);
    console.log(`Operator logs: ${logFile}`);

    const operator = runOperator(
      {
        kubeconfig: cp.kubeconfigPath,
        namespace: undefined,
        endpoint: emulator.url,
        pathPrefix: 'v2/rtmpforward',
        defaultAppid: account.appid,
        defaultCredentials: { namespace: NAMESPACE, name: 'jocloud-credentials' },
        maxConcurrentReconciles: 4,
        vendorQps: 10,
        callbacks: { addr: `127.0.0.1:${callbackPort}`, token: CALLBACK_TOKEN, allowUnauthenticated: false, refreshMs: 60_000, staleMs: 300_000 },
        leaderElection: undefined,
        metricsAddr: '127.0.0.1:0',
        healthAddr: '127.0.0.1:0',
        logLevel: 'info',
        shutdownTimeoutMs: 10_000,
      },
      { signal: stop.signal, logDestination: pino.destination({ dest: logFile, sync: false }), handleSignals: false },
    );
    await must(['apply', '-n', NAMESPACE, '-k', path.join(root, 'config/samples')]);
    console.log(`Applied the samples in config/samples. Try: kubectl --kubeconfig ${cp.kubeconfigPath} get rpt -w`);
    console.log('Ctrl-C stops everything.\n');

    process.once('SIGINT', () => stop.abort());
    process.once('SIGTERM', () => stop.abort());
    const api = cp.kubeConfig.makeApiClient(CustomObjectsApi);
    let last = '';
    const once = process.env['RTMP_OPERATOR_DEV_EXIT_WHEN_READY'] === '1';
    while (!stop.signal.aborted) {
      const list = (await api.listNamespacedCustomObject({ group: GROUP, version: VERSION, namespace: NAMESPACE, plural: PLURAL })) as { items: unknown[] };
      const rows = rowsOf(list.items);
      const text = table(rows);
      if (text !== last) {
        console.log(`${new Date().toISOString()}\n${text}\n`);
        last = text;
      }
      if (once && rows.length > 0 && rows.every((r) => r.ready.startsWith('True'))) {
        console.log('All tasks Ready.');
        stop.abort();
        break;
      }
      await delay(1_000, undefined, { signal: stop.signal }).catch(() => undefined);
    }
    const code = await operator;
    console.log(`Operator stopped (exit ${code}).`);
  } finally {
    await emulator?.close();
    await cp.stop();
  }
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exitCode = 1;
});
