// What Flux's kstatus makes of the status the operator writes, on the same objects as the Argo CD
// health check's tests, and the kstatus rules themselves (so the port cannot drift unnoticed).
import { describe, expect, it } from 'vitest';
import { healthTestObject, healthTestdataFiles } from '../harness/argocd-health.js';
import { kstatus, type KstatusStatus } from '../harness/kstatus.js';

const expected: Record<string, KstatusStatus> = {
  'testdata/pushing.yaml': 'Current',
  'testdata/callbacks-off.yaml': 'Current',
  'testdata/suspended.yaml': 'Current',
  'testdata/invalid-spec.yaml': 'Failed',
  'testdata/vendor-rejected.yaml': 'Failed',
  // kstatus cannot tell "not seen yet" from "nothing to report": Current, as for any object
  // without conditions (its README's corner case).
  'testdata/not-yet-seen.yaml': 'Current',
  'testdata/spec-changed.yaml': 'InProgress',
  'testdata/retrying.yaml': 'InProgress',
  'testdata/awaiting-callback.yaml': 'InProgress',
  'testdata/push-failing.yaml': 'InProgress',
};

describe('kstatus on the health-check objects', () => {
  it('covers every testdata object', () => {
    expect(Object.keys(expected).sort()).toEqual(healthTestdataFiles());
  });

  it.each(Object.entries(expected))('%s -> %s', (inputPath, status) => {
    expect(kstatus(healthTestObject(inputPath)).status).toBe(status);
  });

  it("reports the Stalled condition's message for a refused spec", () => {
    expect(kstatus(healthTestObject('testdata/vendor-rejected.yaml')).message).toMatch(/failed: code 2101: .*; not retried until the spec changes$/);
  });
});

describe('kstatus rules', () => {
  const task = (status: unknown, metadata: Record<string, unknown> = {}): unknown => ({
    apiVersion: 'rtmp.jocloud.com/v1alpha1',
    kind: 'RtmpPushTask',
    metadata: { name: 't', generation: 2, ...metadata },
    ...(status !== undefined ? { status } : {}),
  });
  const cond = (type: string, status: string, message = `${type} ${status}`): Record<string, string> => ({ type, status, reason: 'R', message });

  it('deletionTimestamp comes first: Terminating even when Stalled', () => {
    expect(kstatus(task({ observedGeneration: 2, conditions: [cond('Stalled', 'True')] }, { deletionTimestamp: '2025-06-01T00:00:00Z' }))).toEqual({
      status: 'Terminating',
      message: 'Resource scheduled for deletion',
    });
  });

  it('an observedGeneration behind the generation is InProgress, whatever the conditions say', () => {
    expect(kstatus(task({ observedGeneration: 1, conditions: [cond('Ready', 'True')] }))).toEqual({
      status: 'InProgress',
      message: 'RtmpPushTask generation is 2, but latest observed generation is 1',
    });
  });

  it('a missing observedGeneration skips the generation check', () => {
    expect(kstatus(task({ conditions: [cond('Ready', 'True')] })).status).toBe('Current');
  });

  it('the first of Reconciling=True and Stalled=True in list order decides', () => {
    expect(kstatus(task({ observedGeneration: 2, conditions: [cond('Reconciling', 'True'), cond('Stalled', 'True')] }))).toEqual({ status: 'InProgress', message: 'Reconciling True' });
    expect(kstatus(task({ observedGeneration: 2, conditions: [cond('Stalled', 'True'), cond('Reconciling', 'True')] }))).toEqual({ status: 'Failed', message: 'Stalled True' });
  });

  it('Reconciling and Stalled count only when True', () => {
    expect(kstatus(task({ observedGeneration: 2, conditions: [cond('Reconciling', 'False'), cond('Stalled', 'False'), cond('Ready', 'True')] })).status).toBe('Current');
  });

  it('Ready False or Unknown is InProgress with its message; no Ready and no abnormal condition is Current', () => {
    expect(kstatus(task({ observedGeneration: 2, conditions: [cond('Ready', 'False')] }))).toEqual({ status: 'InProgress', message: 'Ready False' });
    expect(kstatus(task({ observedGeneration: 2, conditions: [cond('Ready', 'Unknown')] })).status).toBe('InProgress');
    expect(kstatus(task({ observedGeneration: 2, conditions: [cond('Synced', 'False')] }))).toEqual({ status: 'Current', message: 'Resource is current' });
    expect(kstatus(task(undefined)).status).toBe('Current');
  });
});
