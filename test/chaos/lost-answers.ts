// Chaos run for "no leaked stream when an answer is lost": a real control plane, the vendor
// emulator and the operator as a child process. For --duration seconds, random creates, address
// changes, identity changes (taskid/uid, room), suspends/resumes and deletions on --tasks tasks,
// while the operator is SIGKILLed and restarted every --kill-min..--kill-max seconds, --fail-rate of
// vendor calls are answered 2104 (not carried out) and --lost-rate are carried out with the answer
// lost (connection reset). Then the faults stop, the operator is restarted once more (so no
// backoff from the fault time delays the end), and the run waits (bounded) until the vendor's
// active set equals the declared set, or until no vendor call has come for a while.
//
// Prints leaked / missing / stale pushes, hung deletions and vendor call counts; exits 1 on any
// discrepancy, 2 on a usage error. The dice are seeded (--seed): the same seed gives the same
// sequence of actions, fault rolls and kill intervals; what they meet still depends on timing.
//
//   npx tsx test/chaos/lost-answers.ts [--seed 1] [--duration 60] [--tasks 20] [--fail-rate 0.1]
//     [--lost-rate 0.2] [--kill-min 3] [--kill-max 7] [--converge-timeout 120]   (or npm run chaos --)
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import { CoreV1Api, CustomObjectsApi, PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';
import pino from 'pino';
import { GROUP, PLURAL, VERSION } from '../../src/api/v1alpha1/constants.js';
import type { FaultSpec } from '../../src/emulator/control-api.js';
import type { EmulatorControl } from '../../src/emulator/control-client.js';
import { startEmulator } from '../../src/emulator/server.js';
import { startControlPlane } from '../harness/control-plane.js';
import { createNamespace } from '../harness/kube.js';
import { CALLBACK_TOKEN, CREDENTIALS_SECRET, ensureCrd } from '../harness/operator.js';
import { killAllOperatorProcesses } from '../harness/operator-process.js';
import { freePort } from '../harness/process.js';
import { CallTally, type PhaseTally } from './call-tally.js';
import { compare, isClean, type ListedTask, type Verdict } from './compare.js';
import { OperatorSupervisor } from './operator-supervisor.js';
import { seededDice } from './seeded-random.js';
import { createSpec, TaskModel, type Action, type ActionKind } from './task-model.js';

interface Options {
  readonly seed: string;
  readonly durationMs: number;
  readonly tasks: number;
  readonly failRate: number;
  readonly lostRate: number;
  readonly killMinMs: number;
  readonly killMaxMs: number;
  readonly convergeTimeoutMs: number;
  /** No vendor call for this long after the final restart ends the wait early. */
  readonly quietMs: number;
}

function options(argv: readonly string[]): Options {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      seed: { type: 'string', default: '1' },
      duration: { type: 'string', default: '60' },
      tasks: { type: 'string', default: '20' },
      'fail-rate': { type: 'string', default: '0.1' },
      'lost-rate': { type: 'string', default: '0.2' },
      'kill-min': { type: 'string', default: '3' },
      'kill-max': { type: 'string', default: '7' },
      'converge-timeout': { type: 'string', default: '120' },
      quiet: { type: 'string', default: '20' },
    },
    strict: true,
  });
  const num = (name: string, raw: string, min: number, max: number): number => {
    const n = Number(raw);
    if (!Number.isFinite(n) || n < min || n > max) throw new UsageError(`--${name}: expected a number in [${min}, ${max}], got "${raw}"`);
    return n;
  };
  const o: Options = {
    seed: values.seed,
    durationMs: num('duration', values.duration, 1, 3_600) * 1000,
    tasks: Math.round(num('tasks', values.tasks, 1, 500)),
    failRate: num('fail-rate', values['fail-rate'], 0, 1),
    lostRate: num('lost-rate', values['lost-rate'], 0, 1),
    killMinMs: num('kill-min', values['kill-min'], 0.5, 600) * 1000,
    killMaxMs: num('kill-max', values['kill-max'], 0.5, 600) * 1000,
    convergeTimeoutMs: num('converge-timeout', values['converge-timeout'], 1, 3_600) * 1000,
    quietMs: num('quiet', values.quiet, 1, 600) * 1000,
  };
  if (o.killMaxMs < o.killMinMs) throw new UsageError('--kill-max must not be below --kill-min');
  if (o.failRate + o.lostRate > 1) throw new UsageError('--fail-rate plus --lost-rate must not exceed 1');
  return o;
}

class UsageError extends Error {}

const say = (line: string): void => {
  process.stderr.write(`[chaos] ${line}\n`);
};

/** The emulator's faults: the first matching one that rolls a hit wins, so the second's rate is conditional on the first missing. */
function faults(o: Options): FaultSpec[] {
  const out: FaultSpec[] = [];
  if (o.failRate > 0) out.push({ code: 2104, rate: o.failRate });
  if (o.lostRate > 0) out.push({ carryOut: true, reset: true, rate: Math.min(1, o.lostRate / (1 - o.failRate)) });
  return out;
}

function statusOf(error: unknown): number | undefined {
  return typeof error === 'object' && error !== null && 'code' in error && typeof error.code === 'number' ? error.code : undefined;
}

async function run(o: Options): Promise<number> {
  const logDir = await mkdtemp(path.join(tmpdir(), 'rtmp-chaos-'));
  const plane = await startControlPlane();
  const cleanup: Array<() => Promise<unknown>> = [() => plane.stop()];
  try {
    say(`control plane: ${plane.description}; logs in ${logDir}`);
    await ensureCrd(plane.kubeconfigPath);
    const namespace = await createNamespace(plane.kubeConfig, 'chaos');
    const callbackPort = await freePort();
    const faultDice = seededDice(o.seed, 'vendor-faults');
    const emulator = await startEmulator({
      callbackUrl: `http://127.0.0.1:${callbackPort}/jocloud/callback?token=${CALLBACK_TOKEN}`,
      callbackIntervalMs: 10_000,
      random: () => faultDice.next(),
      faults: faults(o),
      logger: pino({ level: 'silent' }),
    });
    cleanup.unshift(() => emulator.close());
    const account = emulator.accounts[0];
    if (account === undefined) throw new Error('the emulator has no account');
    const core = plane.kubeConfig.makeApiClient(CoreV1Api);
    await core.createNamespacedSecret({ namespace, body: { metadata: { name: CREDENTIALS_SECRET }, stringData: { restfulId: account.restfulId, restfulSecret: account.restfulSecret } } });

    const supervisor = new OperatorSupervisor({
      args: [
        `--kubeconfig=${plane.kubeconfigPath}`,
        `--namespace=${namespace}`,
        `--jocloud-endpoint=${emulator.url}`,
        `--default-appid=${account.appid}`,
        `--default-credentials-secret=${namespace}/${CREDENTIALS_SECRET}`,
        '--vendor-qps=50',
        '--log-level=debug',
        `--callback-addr=127.0.0.1:${callbackPort}`,
        '--health-addr=',
        '--metrics-addr=',
      ],
      env: { RTMP_OPERATOR_CALLBACK_TOKEN: CALLBACK_TOKEN },
      logDir,
    });
    cleanup.unshift(() => supervisor.close());
    const tally = new CallTally(emulator.control);
    const api = plane.kubeConfig.makeApiClient(CustomObjectsApi);
    const model = new TaskModel(seededDice(o.seed, 'actions'), o.tasks);
    const actionDice = seededDice(o.seed, 'action-pace');
    const counts = new Map<ActionKind | 'refused' | 'apiErrors', number>();
    const bump = (k: ActionKind | 'refused' | 'apiErrors'): void => {
      counts.set(k, (counts.get(k) ?? 0) + 1);
    };

    const execute = async (a: Action): Promise<void> => {
      const ref = { group: GROUP, version: VERSION, plural: PLURAL, namespace };
      try {
        if (a.kind === 'create') {
          await api.createNamespacedCustomObject({ ...ref, body: { apiVersion: `${GROUP}/${VERSION}`, kind: 'RtmpPushTask', metadata: { name: a.name, namespace }, spec: createSpec(a.spec) } });
        } else if (a.kind === 'delete') {
          await api.deleteNamespacedCustomObject({ ...ref, name: a.name });
        } else {
          await api.patchNamespacedCustomObject({ ...ref, name: a.name, body: { spec: a.patch } }, setHeaderOptions('Content-Type', PatchStrategy.MergePatch));
        }
        model.applied(a);
        bump(a.kind);
      } catch (error) {
        const status = statusOf(error);
        if (status === 409 && a.kind === 'create') bump('refused'); // still being deleted: its finalizer holds it
        else if (status === 404 && a.kind !== 'create') model.gone(a.name);
        else {
          bump('apiErrors');
          say(`${a.kind} ${a.name}: ${error instanceof Error ? error.message : String(error)}`);
        }
      }
    };

    // ---- chaos -----------------------------------------------------------------------------
    say(`seed ${o.seed}: ${o.durationMs / 1000} s on ${o.tasks} tasks; ${pct(o.failRate)} of vendor calls answered 2104, ${pct(o.lostRate)} carried out with the answer lost; operator SIGKILLed every ${o.killMinMs / 1000}-${o.killMaxMs / 1000} s`);
    const chaosOver = new AbortController();
    const killing = supervisor.chaos(seededDice(o.seed, 'kills'), o.killMinMs, o.killMaxMs, chaosOver.signal);
    const reading = (async () => {
      while (!chaosOver.signal.aborted) {
        await tally.read();
        await sleep(1_000);
      }
    })();
    const chaosEnd = Date.now() + o.durationMs;
    while (Date.now() < chaosEnd) {
      await execute(model.next());
      await sleep(actionDice.int(100, 400));
    }
    chaosOver.abort();
    await Promise.all([killing, reading]);

    // ---- convergence -----------------------------------------------------------------------
    await emulator.control.clearFaults();
    await tally.read();
    tally.enter('converge');
    await supervisor.restart();
    const finalStart = Date.now();
    say(`faults cleared, operator restarted; waiting up to ${o.convergeTimeoutMs / 1000} s for the vendor to match the declared tasks`);
    let verdict: Verdict;
    let convergedAfterMs: number | undefined;
    for (;;) {
      await tally.read();
      verdict = await judge(api, namespace, emulator.control, account.appid);
      const elapsed = Date.now() - finalStart;
      if (isClean(verdict)) {
        convergedAfterMs = elapsed;
        break;
      }
      if (elapsed > o.convergeTimeoutMs) break;
      if (elapsed > o.quietMs && tally.quietForMs() > o.quietMs) break; // the operator has nothing left to do
      await sleep(1_000);
    }

    const report = {
      seed: o.seed,
      settings: o,
      actions: Object.fromEntries(counts),
      operatorProcesses: supervisor.started,
      sigkills: supervisor.kills,
      vendorCalls: { chaos: tally.tally('chaos'), converge: tally.tally('converge') },
      convergedAfterMs: convergedAfterMs ?? null,
      verdict,
      logDir,
    };
    await writeFile(path.join(logDir, 'report.json'), `${JSON.stringify(report, null, 2)}\n`);
    await writeFile(path.join(logDir, 'vendor-calls.jsonl'), tally.records.map((r) => `${JSON.stringify(r)}\n`).join(''));
    print(report.actions, supervisor, tally.tally('chaos'), tally.tally('converge'), convergedAfterMs, o, verdict, logDir);
    return isClean(verdict) ? 0 : 1;
  } finally {
    for (const step of cleanup) await step().catch((error: unknown) => say(`cleanup: ${String(error)}`));
    await killAllOperatorProcesses();
  }
}

async function judge(api: CustomObjectsApi, namespace: string, control: EmulatorControl, appid: string): Promise<Verdict> {
  const list = (await api.listNamespacedCustomObject({ group: GROUP, version: VERSION, plural: PLURAL, namespace })) as { items: ListedTask[] };
  return compare(list.items, await control.tasks(), appid);
}

function pct(rate: number): string {
  return `${Math.round(rate * 1000) / 10} %`;
}

function calls(t: PhaseTally): string {
  return `${t.calls} (startrtmp ${t.starts}, stoprtmp ${t.stops}; injected 2104 ${t.injectedCodes}, carried out with the answer lost ${t.answersLost})`;
}

function print(
  actions: Record<string, number>,
  supervisor: OperatorSupervisor,
  chaos: PhaseTally,
  converge: PhaseTally,
  convergedAfterMs: number | undefined,
  o: Options,
  v: Verdict,
  logDir: string,
): void {
  const lines = [
    `actions: ${Object.entries(actions).map(([k, n]) => `${k} ${n}`).join(', ')}`,
    `operator: ${supervisor.started} processes, ${supervisor.kills} SIGKILLs`,
    `vendor calls during chaos: ${calls(chaos)}`,
    `vendor calls after the faults stopped: ${calls(converge)}`,
    convergedAfterMs !== undefined ? `converged ${(convergedAfterMs / 1000).toFixed(1)} s after the final restart` : `NOT converged (gave up after ${o.convergeTimeoutMs / 1000} s or ${o.quietMs / 1000} s without a vendor call)`,
    `end: declared ${v.declared}, vendor active ${v.active}; leaked ${v.leaked.length}, missing ${v.missing.length}, stale ${v.stale.length}, hung deletions ${v.hungDeletions.length}`,
    ...v.leaked.map((k) => `  leaked: ${k}`),
    ...v.missing.map((k) => `  missing: ${k}`),
    ...v.stale.map((k) => `  stale: ${k}`),
    ...v.hungDeletions.map((k) => `  hung deletion: ${k}`),
    `report and operator logs: ${logDir}`,
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
}

let exitCode: number;
try {
  exitCode = await run(options(process.argv.slice(2)));
} catch (error) {
  if (error instanceof UsageError || (error instanceof TypeError && 'code' in error && String(error.code).startsWith('ERR_PARSE_ARGS'))) {
    process.stderr.write(`${error.message}\n`);
    exitCode = 2;
  } else {
    process.stderr.write(`[chaos] failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    exitCode = 3;
  }
}
process.exit(exitCode);
