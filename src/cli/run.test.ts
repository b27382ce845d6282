// The flags of `run` that turn into settings (the operator itself is exercised by the
// integration tests). Only usage errors go through the command: a valid command would start it.
import { describe, expect, it } from 'vitest';
import { runCommand as runCli } from '../../test/fixtures/cli.js';
import { matchesLabels } from '../controller/label-selector.js';
import { parseCommand } from './flags.js';
import { runCommand, runSettings, runSpec } from './run.js';

// Without callbacks, which would want a token: these tests are about other flags.
const settings = (argv: string[], env: NodeJS.ProcessEnv = {}) => runSettings(parseCommand(runSpec, ['--callback-addr=', ...argv], env).values);

describe('run --taskid-prefix', () => {
  it('is empty by default: derived taskids as before', () => {
    expect(settings([]).taskidPrefix).toBe('');
  });

  it('comes from the flag or from RTMP_OPERATOR_TASKID_PREFIX', () => {
    expect(settings(['--taskid-prefix', 'eu-1']).taskidPrefix).toBe('eu-1');
    expect(settings([], { RTMP_OPERATOR_TASKID_PREFIX: 'eu-2' }).taskidPrefix).toBe('eu-2');
  });

  it.each([['eu/1'], ['-eu'], ['x'.repeat(40)]])('refuses %j with exit code 2 before starting anything', async (prefix) => {
    const result = await runCli(runCommand, [`--taskid-prefix=${prefix}`]);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/^--taskid-prefix: must /);
  });
});

describe('run --default-credentials-namespace-selector', () => {
  it('is absent by default: every namespace may use the default credentials', () => {
    expect(settings([]).tenancy?.defaultCredentialsNamespaces).toBeUndefined();
    expect(settings(['--default-credentials-namespace-selector', '  ']).tenancy?.defaultCredentialsNamespaces).toBeUndefined();
  });

  it('parses the selector from the flag or RTMP_OPERATOR_DEFAULT_CREDENTIALS_NAMESPACE_SELECTOR', () => {
    const fromFlag = settings(['--default-credentials-namespace-selector', 'tier in (gold, silver)']).tenancy?.defaultCredentialsNamespaces;
    expect(fromFlag && matchesLabels(fromFlag, { tier: 'gold' })).toBe(true);
    expect(fromFlag && matchesLabels(fromFlag, { tier: 'bronze' })).toBe(false);
    const fromEnv = settings([], { RTMP_OPERATOR_DEFAULT_CREDENTIALS_NAMESPACE_SELECTOR: '!sandbox' }).tenancy?.defaultCredentialsNamespaces;
    expect(fromEnv?.requirements).toEqual([{ key: 'sandbox', op: 'doesNotExist' }]);
  });

  it('is refused together with --namespace: there the release is the boundary, and no Namespace is read', async () => {
    const result = await runCli(runCommand, ['--namespace=streams', '--default-credentials-namespace-selector=tier=gold']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('with --namespace');
    expect(settings(['--namespace=streams']).tenancy?.defaultCredentialsNamespaces).toBeUndefined();
  });

  it('refuses a selector it cannot read with exit code 2', async () => {
    const result = await runCli(runCommand, ['--default-credentials-namespace-selector', 'tier in gold']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('--default-credentials-namespace-selector: expected "(" after in/notin');
  });
});
