import { describe, expect, it } from 'vitest';
import { createMetrics } from './metrics.js';
import { taskState } from './task-metrics.js';

const cond = (type: string, status: string, reason = 'R'): Record<string, string> => ({ type, status, reason, message: '' });

describe('rtmp_tasks', () => {
  it('is computed from the task statuses at each scrape, dropping states that no longer occur', async () => {
    let statuses: unknown[] = [
      { conditions: [cond('Ready', 'True', 'Streaming')] },
      { conditions: [cond('Ready', 'True', 'Suspended')] },
      { conditions: [cond('Ready', 'False', 'CredentialsRejected'), cond('Stalled', 'True', 'CredentialsRejected')] },
    ];
    const m = createMetrics({ defaultMetrics: false, taskStatuses: () => statuses });
    const first = await m.registry.getSingleMetricAsString('rtmp_tasks');
    expect(first).toContain('rtmp_tasks{state="Ready"} 2');
    expect(first).toContain('rtmp_tasks{state="CredentialsRejected"} 1');
    statuses = [{ conditions: [cond('Ready', 'True')] }, undefined];
    const second = await m.registry.getSingleMetricAsString('rtmp_tasks');
    expect(second).toContain('rtmp_tasks{state="Ready"} 1');
    expect(second).toContain('rtmp_tasks{state="Pending"} 1');
    expect(second).not.toContain('CredentialsRejected');
  });

  it.each([
    ['no status', undefined, 'Pending'],
    ['a status that is not an object', 'garbage', 'Pending'],
    ['conditions that are not a list', { conditions: { type: 'Ready' } }, 'Pending'],
    ['list entries that are not objects', { conditions: [null, 7, cond('Ready', 'Unknown', 'AwaitingCallback')] }, 'AwaitingCallback'],
    ['a Ready without reason', { conditions: [{ type: 'Ready', status: 'False' }] }, 'NotReady'],
  ])('reads %s without failing the scrape', (_what, status, state) => {
    expect(taskState(status)).toBe(state);
  });
});

describe('rtmp_task_conditions', () => {
  it('counts every task once per condition: a missing Ready as Unknown, a missing Reconciling or Stalled as False', async () => {
    const statuses: unknown[] = [
      { conditions: [cond('Ready', 'True', 'Streaming')] },
      { conditions: [cond('Ready', 'False', 'InvalidSpec'), cond('Stalled', 'True', 'InvalidSpec')] },
      { conditions: [cond('Ready', 'Unknown', 'Reconciling'), cond('Reconciling', 'True', 'Progressing')] },
      undefined,
      { conditions: [cond('Ready', 'Maybe')] },
    ];
    const m = createMetrics({ defaultMetrics: false, taskStatuses: () => statuses });
    const text = await m.registry.getSingleMetricAsString('rtmp_task_conditions');
    const value = (condition: string, status: string): number => {
      const line = text.split('\n').find((l) => l.startsWith(`rtmp_task_conditions{condition="${condition}",status="${status}"} `));
      return Number(line?.split(' ')[1]);
    };
    expect({ True: value('Ready', 'True'), False: value('Ready', 'False'), Unknown: value('Ready', 'Unknown') }).toEqual({ True: 1, False: 1, Unknown: 3 });
    expect({ True: value('Stalled', 'True'), False: value('Stalled', 'False'), Unknown: value('Stalled', 'Unknown') }).toEqual({ True: 1, False: 4, Unknown: 0 });
    expect({ True: value('Reconciling', 'True'), False: value('Reconciling', 'False'), Unknown: value('Reconciling', 'Unknown') }).toEqual({ True: 1, False: 4, Unknown: 0 });
  });
});
