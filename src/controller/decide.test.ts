import { describe, expect, it } from 'vitest';
import { decide, type Decision, type Identity, type Observation } from './decide.js';
import { sameIdentity } from './desired-request.js';

const mixed: Identity = { appid: '1470236061', roomid: '123', streamtype: 1, taskid: 'biz007' };
const otherRoom: Identity = { ...mixed, roomid: '456' };
const push = { request: 'REQ', hash: 'h2', identity: mixed };

const base: Observation<string> = {
  deleting: false,
  hasFinalizer: true,
  deletionPolicy: 'Delete',
  suspend: false,
  desired: { ok: true, push },
  credentials: { ok: true },
  active: undefined,
  acceptedHash: undefined,
  rejectedHash: undefined,
  restartDue: false,
};
const noCreds = { ok: false, reason: 'SecretNotFound', message: 'secret default/jocloud not found' } as const;

type Row = [reason: string, change: Partial<Observation<string>>, expected: Decision<string>];

describe('decide', () => {
  it.each<Row>([
    // The finalizer is written with the start intent, in one write before the call (the act does it).
    ['new object: the start carries the finalizer, written before any vendor call', { hasFinalizer: false }, { kind: 'Start', push, why: 'Create' }],
    ['new object with nothing to start: finalizer first', { hasFinalizer: false, desired: { ok: false, message: 'm' } }, { kind: 'AddFinalizer' }],
    ['finalizer present, nothing running: start', {}, { kind: 'Start', push, why: 'Create' }],
    ['running and the accepted request equals the desired one: no call (restart, status-only change)', { active: mixed, acceptedHash: 'h2' }, { kind: 'Idle', why: { kind: 'InSync' } }],
    ['running with an older request: update in place on the same taskid', { active: mixed, acceptedHash: 'h1' }, { kind: 'Start', push, why: 'Update' }],
    ['identity changed: stop the old task first', { active: otherRoom, acceptedHash: 'h1' }, { kind: 'Stop', identity: otherRoom, why: 'IdentityChanged' }],
    ['invalid spec: no vendor call', { desired: { ok: false, message: 'spec.roomid: required' } }, { kind: 'Idle', why: { kind: 'InvalidSpec', message: 'spec.roomid: required' } }],
    ['invalid spec while running: keep the running push', { active: mixed, acceptedHash: 'h1', desired: { ok: false, message: 'm' } }, { kind: 'Idle', why: { kind: 'InvalidSpec', message: 'm' } }],
    ['vendor rejected exactly this request (2101): no retry until it changes', { rejectedHash: 'h2' }, { kind: 'Idle', why: { kind: 'Rejected' } }],
    ['vendor rejected an older request: the new one is tried', { rejectedHash: 'h1' }, { kind: 'Start', push, why: 'Create' }],
    ['suspended while running: stop', { suspend: true, active: mixed, acceptedHash: 'h2' }, { kind: 'Stop', identity: mixed, why: 'Suspending' }],
    ['suspended and stopped: nothing', { suspend: true }, { kind: 'Idle', why: { kind: 'Suspended' } }],
    ['suspended with an invalid spec: suspension wins, nothing to call', { suspend: true, desired: { ok: false, message: 'm' } }, { kind: 'Idle', why: { kind: 'Suspended' } }],
    ['resumed: start again', { suspend: false, active: undefined, acceptedHash: undefined }, { kind: 'Start', push, why: 'Create' }],
    ['unexpected 3003 on an in-sync task: start again', { active: mixed, acceptedHash: 'h2', restartDue: true }, { kind: 'Start', push, why: 'Restart' }],
    ['no credentials: no call, say why', { credentials: noCreds }, { kind: 'Idle', why: { kind: 'CredentialsUnavailable', reason: 'SecretNotFound', message: noCreds.message } }],
    ['no credentials but in sync: nothing needed, so not blocked', { credentials: noCreds, active: mixed, acceptedHash: 'h2' }, { kind: 'Idle', why: { kind: 'InSync' } }],
    ['deleting while running: stop', { deleting: true, active: mixed, acceptedHash: 'h2' }, { kind: 'Stop', identity: mixed, why: 'Deleting' }],
    ['deleting, nothing running: release the finalizer', { deleting: true }, { kind: 'RemoveFinalizer', why: 'Stopped' }],
    ['deleting with an invalid spec while running: the recorded identity is stopped', { deleting: true, active: mixed, desired: { ok: false, message: 'm' } }, { kind: 'Stop', identity: mixed, why: 'Deleting' }],
    ['deleting with Orphan policy: leave the vendor task running', { deleting: true, active: mixed, deletionPolicy: 'Orphan' }, { kind: 'RemoveFinalizer', why: 'Orphaned' }],
    ['deleting, finalizer already gone: nothing', { deleting: true, hasFinalizer: false }, { kind: 'Idle', why: { kind: 'Gone' } }],
    ['deleting without credentials: blocked, not released', { deleting: true, active: mixed, credentials: noCreds }, { kind: 'Idle', why: { kind: 'CredentialsUnavailable', reason: 'SecretNotFound', message: noCreds.message } }],
  ])('%s', (_reason, change, expected) => {
    expect(decide({ ...base, ...change })).toEqual(expected);
  });
});

describe('sameIdentity', () => {
  it.each<[string, Identity, boolean]>([
    ['same task', { ...mixed }, true],
    ['other taskid', { ...mixed, taskid: 'x' }, false],
    ['other appid', { ...mixed, appid: '1' }, false],
    ['other stream type', { appid: mixed.appid, roomid: mixed.roomid, streamtype: 2, uid: '111' }, false],
  ])('%s', (_reason, other, expected) => {
    expect(sameIdentity(mixed, other)).toBe(expected);
  });
});
