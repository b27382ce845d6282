// RtmpPushTasks by state, counted from the watch cache at every scrape (a snapshot taken on a
// timer would be missing, or stale, right after a start or a leadership change). Every replica
// has the cache, so every replica reports the same counts: aggregate with max, not sum.
import { Gauge, type Registry } from 'prom-client';

interface ConditionView {
  readonly type?: unknown;
  readonly status?: unknown;
  readonly reason?: unknown;
}

/** The conditions of a task's status as read from the cache: anything that is not a list of objects reads as none. */
function conditionsOf(status: unknown): ConditionView[] {
  const conditions = typeof status === 'object' && status !== null ? (status as { conditions?: unknown }).conditions : undefined;
  return Array.isArray(conditions) ? conditions.filter((c): c is ConditionView => typeof c === 'object' && c !== null) : [];
}

/** The conditions rtmp_task_conditions reports, and the status a task lacking one counts as. */
const REPORTED_CONDITIONS = [
  // Ready is normal-true: a task without it (not yet seen by the operator) is not known to be Ready.
  { type: 'Ready', absent: 'Unknown' },
  // Reconciling and Stalled are abnormal-true: present only while true, absent means False.
  { type: 'Reconciling', absent: 'False' },
  { type: 'Stalled', absent: 'False' },
] as const;
const STATUSES = ['True', 'False', 'Unknown'] as const;

function statusOf(value: unknown): (typeof STATUSES)[number] | undefined {
  return STATUSES.find((s) => s === value);
}

/** The rtmp_tasks state of a task's status: `Ready`, else its Ready reason, else `Pending` (no Ready yet). */
export function taskState(status: unknown): string {
  const ready = conditionsOf(status).find((c) => c.type === 'Ready');
  if (ready === undefined) return 'Pending';
  if (ready.status === 'True') return 'Ready';
  return typeof ready.reason === 'string' && ready.reason !== '' ? ready.reason : 'NotReady';
}

export interface TaskGauges {
  readonly tasks: Gauge<'state'>;
  readonly taskConditions: Gauge<'condition' | 'status'>;
}

/** `statuses` lists the `status` of every task in the cache, unvalidated. */
export function createTaskGauges(registers: Registry[], statuses: (() => Iterable<unknown>) | undefined): TaskGauges {
  return {
    tasks: new Gauge({
      name: 'rtmp_tasks',
      help: 'RtmpPushTasks by state: Ready, the reason of a Ready condition that is not True, or Pending (no Ready condition yet).',
      labelNames: ['state'],
      registers,
      ...(statuses !== undefined
        ? {
            collect(this: Gauge<'state'>) {
              const counts = new Map<string, number>();
              for (const status of statuses()) {
                const state = taskState(status);
                counts.set(state, (counts.get(state) ?? 0) + 1);
              }
              this.reset();
              for (const [state, count] of counts) this.set({ state }, count);
            },
          }
        : {}),
    }),
    taskConditions: new Gauge({
      name: 'rtmp_task_conditions',
      help: 'RtmpPushTasks by the status of their Ready, Reconciling and Stalled conditions (a missing Ready counts as Unknown, a missing Reconciling or Stalled as False).',
      labelNames: ['condition', 'status'],
      registers,
      ...(statuses !== undefined
        ? {
            collect(this: Gauge<'condition' | 'status'>) {
              const counts = new Map<string, number>();
              for (const { type } of REPORTED_CONDITIONS) for (const status of STATUSES) counts.set(`${type}/${status}`, 0);
              for (const taskStatus of statuses()) {
                const conditions = conditionsOf(taskStatus);
                for (const { type, absent } of REPORTED_CONDITIONS) {
                  const status = statusOf(conditions.find((c) => c.type === type)?.status) ?? absent;
                  const k = `${type}/${status}`;
                  counts.set(k, (counts.get(k) ?? 0) + 1);
                }
              }
              for (const [k, count] of counts) {
                const [condition = '', status = ''] = k.split('/');
                this.set({ condition, status }, count);
              }
            },
          }
        : {}),
    }),
  };
}
