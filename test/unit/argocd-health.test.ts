// The Argo CD health check (config/argocd/.../health.lua) on every case of its health_test.yaml,
// run through real Lua 5.1 and 5.4 interpreters; and the harness that runs it, so a check that
// Argo CD could not run (newer Lua, os/io) cannot pass here.
import { copyFileSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { GROUP, KIND } from '../../src/api/v1alpha1/constants.js';
import {
  ARGO_HEALTH_STATUSES,
  HEALTH_SCRIPT,
  argoHealth,
  healthTestCases,
  healthTestObject,
  healthTestdataFiles,
  lua51Problems,
  runHealthScript,
  toLuaLiteral,
} from '../harness/argocd-health.js';
import { REPO_ROOT } from '../harness/helm.js';
import { kubectlBinary } from '../harness/kubectl.js';
import { runProcess } from '../harness/process.js';

const cases = healthTestCases();

describe('health.lua (Argo CD health of an RtmpPushTask)', () => {
  it.each(cases)('$inputPath -> $healthStatus.status', async ({ inputPath, healthStatus }) => {
    expect(await argoHealth(healthTestObject(inputPath))).toEqual({ status: healthStatus.status, message: healthStatus.message ?? '' });
  });

  it('has a health_test.yaml case for every testdata object, and for the five reference objects', () => {
    const inputs = cases.map((c) => c.inputPath).sort();
    expect(inputs).toEqual(healthTestdataFiles());
    const byInput = new Map(cases.map((c) => [c.inputPath, c.healthStatus.status]));
    expect({
      pushing: byInput.get('testdata/pushing.yaml'),
      suspended: byInput.get('testdata/suspended.yaml'),
      refusedSpec: byInput.get('testdata/invalid-spec.yaml'),
      vendorRejected: byInput.get('testdata/vendor-rejected.yaml'),
      notYetSeen: byInput.get('testdata/not-yet-seen.yaml'),
    }).toEqual({ pushing: 'Healthy', suspended: 'Suspended', refusedSpec: 'Degraded', vendorRejected: 'Degraded', notYetSeen: 'Progressing' });
  });

  it('expects only statuses Argo CD knows', () => {
    for (const c of cases) expect(ARGO_HEALTH_STATUSES).toContain(c.healthStatus.status);
  });

  it('is plain Lua 5.1 with no os/io', () => {
    expect(lua51Problems(readFileSync(HEALTH_SCRIPT, 'utf8'))).toEqual([]);
  });

  it('treats an object whose status has an empty conditions list like one without status', async () => {
    const obj = { ...healthTestObject('testdata/not-yet-seen.yaml'), status: { observedGeneration: 1, conditions: [] } };
    expect(await argoHealth(obj)).toEqual({ status: 'Progressing', message: 'Waiting for the operator to report status' });
  });

  it('falls back to the reason when a Stalled condition has no message', async () => {
    const obj = healthTestObject('testdata/invalid-spec.yaml') as { status: { conditions: Array<Record<string, unknown>> } };
    for (const c of obj.status.conditions) c.message = '';
    expect(await argoHealth(obj)).toEqual({ status: 'Degraded', message: 'InvalidSpec' });
  });
});

describe('the Lua harness', () => {
  const scriptDir = mkdtempSync(path.join(tmpdir(), 'argocd-health-'));
  const script = (name: string, body: string): string => {
    const file = path.join(scriptDir, name);
    writeFileSync(file, body);
    return file;
  };

  it('passes strings through unchanged: quotes, backslashes, newlines, control bytes, UTF-8, ]]', async () => {
    const tricky = 'a "quoted" \\ back\nslash\ttab \u0001 ü 漢 ]] [[ \u007f end';
    const echo = script('echo.lua', 'return { status = "Healthy", message = obj.metadata.name .. "|" .. #obj.list .. "|" .. tostring(obj.list[2]) }');
    expect(await argoHealth({ metadata: { name: tricky }, list: [1, 2.5, 'x', null] }, echo)).toEqual({ status: 'Healthy', message: `${tricky}|3|2.5` });
  });

  it('writes integers as integers (tostring gives "4", as in gopher-lua) and drops null fields', () => {
    expect(toLuaLiteral({ a: 4, b: null, c: [true, 'x'] })).toBe('{["a"] = 4, ["c"] = {true, "x"}}');
  });

  it.each([
    ['goto', 'goto done\n::done::'],
    ['integer division', 'local x = 7 // 2'],
    ['bitwise and', 'local x = 1 & 2'],
    ['bitwise not', 'local x = ~1'],
    ['const variables', 'local x <const> = 1'],
    ['utf8 library', 'local n = utf8.len("x")'],
    ['table.unpack', 'local a = table.unpack({1})'],
    ['math.type', 'local t = math.type(1)'],
    ['os library', 'local t = os.time()'],
    ['io library', 'io.write("x")'],
    ['require', 'local json = require("json")'],
    ['\\x escape', 'local s = "\\x41"'],
  ])('refuses %s', (_what, source) => {
    expect(lua51Problems(source)).not.toEqual([]);
  });

  it('ignores what only looks like newer Lua inside comments and strings, and accepts ~=', () => {
    expect(lua51Problems('-- a // b & c goto\n--[[ os.time() ]]\nlocal s = "a // b | c"\nlocal t = [[x & y]]\nif 1 ~= 2 then end')).toEqual([]);
  });

  it('fails a script that reaches for os or io at run time, as Argo CD would', async () => {
    const usesOs = script('uses-os.lua', 'local o = _G["o" .. "s"]\nreturn { status = "Healthy", message = tostring(o.time()) }');
    await expect(runHealthScript('lua5.1', {}, usesOs)).rejects.toThrow(/failed/);
  });

  it('fails when the interpreters disagree or one cannot parse the script', async () => {
    const newer = script('newer.lua', 'return { status = "Healthy", message = tostring(_VERSION) }');
    await expect(argoHealth({}, newer)).rejects.toThrow(/disagree/);
  });

  it('rejects a result that is not an Argo CD health status', async () => {
    const bad = script('bad.lua', 'return { status = "Fine" }');
    await expect(runHealthScript('lua5.4', {}, bad)).rejects.toThrow(/not an Argo CD health status/);
  });

  it('names the package to install when an interpreter is missing', async () => {
    await expect(runHealthScript('lua-that-does-not-exist', {})).rejects.toThrow(/apt-get install/);
  });
});

describe('README "Argo CD and Flux"', () => {
  const readme = readFileSync(path.join(REPO_ROOT, 'README.md'), 'utf8');
  const key = `resource.customizations.health.${GROUP}_${KIND}`;

  it('names the argocd-cm key Argo CD looks up for the group and kind, everywhere', () => {
    const mentions = [...readme.matchAll(/resource\\?\.customizations\\?\.health\\?\.[\w\\.]+/g)].map((m) => m[0].replaceAll('\\', ''));
    expect(mentions.length).toBeGreaterThanOrEqual(4);
    expect(new Set(mentions)).toEqual(new Set([key]));
  });

  it("has a kustomize snippet that merges health.lua into Argo CD's argocd-cm", async () => {
    const snippet = /```yaml\n(# kustomization\.yaml of the Argo CD installation\n[\s\S]*?)```/.exec(readme)?.[1];
    expect(snippet, 'the kustomize snippet').toBeDefined();
    // Argo CD's install.yaml is not reachable here: a stand-in argocd-cm takes its place.
    const dir = mkdtempSync(path.join(tmpdir(), 'argocd-kustomize-'));
    writeFileSync(path.join(dir, 'kustomization.yaml'), (snippet ?? '').replace(/- https:\/\/\S+install\.yaml/, '- argocd-cm.yaml'));
    writeFileSync(path.join(dir, 'argocd-cm.yaml'), 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: argocd-cm\ndata:\n  url: https://argocd.example.com\n');
    copyFileSync(HEALTH_SCRIPT, path.join(dir, 'health.lua'));
    const result = await runProcess(kubectlBinary(), ['kustomize', dir], { timeoutMs: 30_000 });
    expect(result.code, result.stderr).toBe(0);
    const [cm] = parseAllDocuments(result.stdout).map((d) => d.toJS() as { metadata: { name: string; namespace: string }; data: Record<string, string> });
    expect(cm?.metadata).toEqual({ name: 'argocd-cm', namespace: 'argocd' });
    expect(cm?.data).toEqual({ url: 'https://argocd.example.com', [key]: readFileSync(HEALTH_SCRIPT, 'utf8') });
  });
});
