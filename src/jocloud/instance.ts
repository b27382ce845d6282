// Which operator process made a vendor call. Sent as a header the vendor ignores; the emulator's
// call log records it, so a test can tell the calls of two replicas (or of a process before and
// after a restart) apart, e.g. "no call from the old leader after the takeover".
export const INSTANCE_HEADER = 'x-rtmp-operator-instance';

const MAX_LENGTH = 128;

/** The value as sent: visible ASCII only (anything else becomes `_`), at most 128 characters. */
export function instanceHeaderValue(instance: string): string {
  const cleaned = instance.replace(/[^\x21-\x7e]/g, '_').slice(0, MAX_LENGTH);
  if (cleaned === '') throw new TypeError('the instance name for vendor calls must not be empty');
  return cleaned;
}
