import { describe, expect, it } from 'vitest';
import { transportError } from './transport-errors.js';

const ctx = { endpoint: 'startrtmp' as const, traceId: 't-1' };
const live = new AbortController().signal;

function failed(code: string, wrapped = false): Error {
  const inner = Object.assign(new Error(`inner ${code}`), { code });
  return wrapped ? Object.assign(new Error('other side closed', { cause: inner }), { code: 'UND_ERR_SOCKET' }) : inner;
}

describe('transportError', () => {
  it.each([
    ['ECONNREFUSED', 'Network', 'retryable', 'refused'],
    ['ENOTFOUND', 'Network', 'retryable', 'refused'],
    ['EAI_AGAIN', 'Network', 'retryable', 'refused'],
    ['EHOSTUNREACH', 'Network', 'retryable', 'refused'],
    ['UND_ERR_CONNECT_TIMEOUT', 'Network', 'retryable', 'refused'],
    ['ECONNRESET', 'Network', 'retryable', 'unknown'],
    ['EPIPE', 'Network', 'retryable', 'unknown'],
    ['UND_ERR_SOCKET', 'Network', 'retryable', 'unknown'],
    ['UND_ERR_HEADERS_TIMEOUT', 'DeadlineExceeded', 'retryable', 'unknown'],
    ['UND_ERR_BODY_TIMEOUT', 'DeadlineExceeded', 'retryable', 'unknown'],
    ['HPE_INVALID_CONSTANT', 'BadResponse', 'retryable', 'unknown'],
    ['DEPTH_ZERO_SELF_SIGNED_CERT', 'Tls', 'configuration', 'refused'],
    ['ERR_TLS_CERT_ALTNAME_INVALID', 'Tls', 'configuration', 'refused'],
    ['CERT_HAS_EXPIRED', 'Tls', 'configuration', 'refused'],
  ])('%s → %s (%s, outcome %s)', (errno, code, classification, outcome) => {
    expect(transportError(ctx, failed(errno), live, undefined)).toMatchObject({ code, classification, outcome, endpoint: 'startrtmp', traceId: 't-1' });
  });

  it('looks through undici\'s socket wrapper for the errno', () => {
    expect(transportError(ctx, failed('ECONNREFUSED', true), live, undefined)).toMatchObject({ outcome: 'refused' });
    expect(transportError(ctx, failed('ECONNRESET', true), live, undefined)).toMatchObject({ outcome: 'unknown' });
  });

  it('a passed deadline is DeadlineExceeded with an unknown outcome, whatever the error', () => {
    const deadline = AbortSignal.abort();
    expect(transportError(ctx, failed('ECONNREFUSED'), deadline, undefined)).toMatchObject({ code: 'DeadlineExceeded', outcome: 'unknown' });
  });

  it('a caller cancellation has an unknown outcome', () => {
    expect(transportError(ctx, new Error('aborted'), live, AbortSignal.abort())).toMatchObject({ code: 'DeadlineExceeded', outcome: 'unknown' });
  });

  it('an error without a code is Network with an unknown outcome', () => {
    expect(transportError(ctx, new Error('strange'), live, undefined)).toMatchObject({ code: 'Network', outcome: 'unknown' });
  });
});
