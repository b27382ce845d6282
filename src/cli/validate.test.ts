import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { stringify as stringifyYaml } from 'yaml';
import { runCommand } from '../../test/fixtures/cli.js';
import { manifestFromWireRequest, specPathPrefixFor } from '../../test/fixtures/manifests.js';
import { badStartRequestCases, brokenRequest, cloneVendorSample, vendorSampleWarningPath } from '../../test/fixtures/vendor-rules.js';
import { pathSegments, validateCommand, validateManifests } from './validate.js';

const SAMPLES = 'config/samples';
const MAIN_SAMPLE = `${SAMPLES}/rtmp.jocloud.com_v1alpha1_rtmppushtask.yaml`;
const scratch = mkdtempSync(path.join(tmpdir(), 'rpt-validate-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));
function file(name: string, text: string): string {
  const p = path.join(scratch, name);
  writeFileSync(p, text);
  return p;
}
/** As kubectl users must write it: strings YAML 1.1 would misread (like the key y) quoted. */
const stringify = (value: unknown): string => stringifyYaml(value, { version: '1.1' });
const yamlDocs = (docs: unknown[]): string => docs.map((d) => stringify(d)).join('---\n');
const validate = (...argv: string[]) => runCommand(validateCommand, ['-f', ...argv]);

const sourceTask = (name: string, extra: Record<string, unknown> = {}) => ({
  apiVersion: 'rtmp.jocloud.com/v1alpha1',
  kind: 'RtmpPushTask',
  metadata: { name, namespace: 'media' },
  spec: { appid: '1470236061', roomid: '123', streamtype: 2, uid: '111', rtmpurls: ['rtmp://push.example.com/live/u'], ...extra },
});

describe('validate', () => {
  it('accepts every committed sample, warning only about the vendor sample gop', async () => {
    const r = await validate(SAMPLES);
    expect(r.code).toBe(0);
    expect(r.stdout.trim().split('\n')).toEqual([
      expect.stringMatching(new RegExp(`^${MAIN_SAMPLE}: RtmpPushTask mixed-input-layout: warning: spec\\.${vendorSampleWarningPath.replace(/\./g, '\\.')}: should be a multiple of videofps \\(24\\)`)),
    ]);
    expect(r.stderr).toContain('4 RtmpPushTasks checked: 0 invalid, 1 warning');
  });

  it('names the file, the resource, the field and the rule for every broken vendor rule (one multi-document file)', async () => {
    const rejecting = badStartRequestCases.filter((c) => c.specAllows === undefined);
    const docs = rejecting.map((c, i) => manifestFromWireRequest(brokenRequest(c), `case-${i}`));
    const f = file('table.yaml', yamlDocs(docs));
    const r = await validate(f);
    expect(r.code).toBe(1);
    const lines = r.stdout.split('\n').filter((l) => !l.includes(': warning: '));
    rejecting.forEach((c, i) => {
      const mine = lines.filter((l) => l.startsWith(`${f}: RtmpPushTask media/case-${i}: `));
      expect(mine.length, `${c.reason}: no problem reported`).toBeGreaterThan(0);
      const prefix = specPathPrefixFor(c.path);
      for (const l of mine) expect(l.slice(`${f}: RtmpPushTask media/case-${i}: `.length).startsWith(prefix), `${c.reason}: ${l}`).toBe(true);
    });
    expect(r.stderr).toContain(`${rejecting.length} RtmpPushTasks checked: ${rejecting.length} invalid`);
  });

  it('prints the message in the documented form', async () => {
    const req = cloneVendorSample();
    req.mixconfig.output.videowidth = 601;
    const r = await validate(file('601.yaml', stringify(manifestFromWireRequest(req, 'lobby'))));
    expect(r.stdout).toContain(': RtmpPushTask media/lobby: spec.mixconfig.output.videowidth: must be a multiple of 8 (got 601)\n');
  });

  it('reads stdin with -f -', async () => {
    const r = await runCommand(validateCommand, ['-f', '-'], { stdin: yamlDocs([sourceTask('ok'), sourceTask('bad', { uid: undefined })]) });
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('<stdin>: RtmpPushTask media/bad: spec.uid: is required for source stream pushing (streamtype 2)\n');
  });

  it('skips other kinds and empty documents, and reads JSON and kind: List', async () => {
    const other = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'x' }, data: { streamtype: '9' } };
    const list = { apiVersion: 'v1', kind: 'List', items: [other, sourceTask('in-list', { streamtype: 3 })] };
    const f = file('mixed.yaml', `---\n${yamlDocs([other])}---\n---\n${JSON.stringify(list)}\n`);
    const r = await validate(f);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe(`${f}: RtmpPushTask media/in-list: spec.streamtype: must be 1 (mixed stream pushing) or 2 (source stream pushing) (got 3)\n`);
  });

  it.each([
    { reason: 'an unknown version of our group', doc: { ...sourceTask('v'), apiVersion: 'rtmp.jocloud.com/v1' }, want: 'apiVersion: unknown version "rtmp.jocloud.com/v1"' },
    { reason: 'an unknown kind in our group', doc: { ...sourceTask('k'), kind: 'RtmpPushTasks' }, want: 'kind: unknown kind "RtmpPushTasks"' },
    { reason: 'no name', doc: { ...sourceTask('n'), metadata: {} }, want: 'RtmpPushTask (document 1): metadata.name: is required' },
    { reason: 'no spec', doc: { ...sourceTask('s'), spec: undefined }, want: 'RtmpPushTask media/s: spec: is required' },
  ])('rejects $reason', async ({ doc, want }) => {
    const r = await runCommand(validateCommand, ['-f', '-'], { stdin: stringify(doc) });
    expect(r.code).toBe(1);
    expect(r.stdout).toContain(want);
  });

  it('takes the default appid from --default-appid or the operator environment variable', async () => {
    const noAppid = sourceTask('no-appid', { appid: undefined });
    const without = await runCommand(validateCommand, ['-f', '-'], { stdin: stringify(noAppid) });
    expect(without.code).toBe(1);
    expect(without.stdout).toContain('spec.appid: is required');
    const withFlag = await runCommand(validateCommand, ['-f', '-', '--default-appid', '1470236061'], { stdin: stringify(noAppid) });
    expect(withFlag.code).toBe(0);
    const withEnv = await runCommand(validateCommand, ['-f', '-'], { stdin: stringify(noAppid), env: { RTMP_OPERATOR_DEFAULT_APPID: '1470236061' } });
    expect(withEnv.code).toBe(0);
  });

  it('exits 2 on a YAML syntax error, naming the file and line, and still checks the other files', async () => {
    const broken = file('broken.yaml', 'apiVersion: rtmp.jocloud.com/v1alpha1\nkind: RtmpPushTask\nmetadata: {name: a\nspec: [\n');
    const bad = file('bad.yaml', stringify(sourceTask('bad', { roomid: '' })));
    const r = await validate(broken, '-f', bad);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(new RegExp(`^${broken.replace(/[.]/g, '\\.')}:4:1: YAML syntax error: `, 'm'));
    expect(r.stdout).toContain('spec.roomid: must not be empty');
  });

  it.each([
    { reason: 'no file', argv: [], want: /at least one file/ },
    { reason: 'a missing file', argv: ['-f', '/nonexistent/x.yaml'], want: /\/nonexistent\/x\.yaml: cannot read/ },
    { reason: 'an unknown output format', argv: ['-f', MAIN_SAMPLE, '-o', 'xml'], want: /--output must be text or json/ },
    { reason: 'stdin twice', argv: ['-f', '-', '-f', '-'], want: /only once/ },
    { reason: 'an unknown flag', argv: ['--frobnicate'], want: /frobnicate/ },
  ])('exits 2 for $reason', async ({ argv, want }) => {
    const r = await runCommand(validateCommand, argv);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(want);
  });

  it('writes JSON with lines for tools', async () => {
    const req = cloneVendorSample();
    req.mixconfig.output.videowidth = 601;
    const f = file('json.yaml', stringify(manifestFromWireRequest(req, 'lobby')));
    const r = await validate(f, '-o', 'json');
    expect(r.code).toBe(1);
    const report = JSON.parse(r.stdout) as { valid: boolean; checked: number; findings: Array<Record<string, unknown>> };
    expect(report.valid).toBe(false);
    expect(report.checked).toBe(1);
    const videowidthLine = stringify(manifestFromWireRequest(req, 'lobby')).split('\n').findIndex((l) => l.includes('videowidth: 601')) + 1;
    expect(report.findings).toContainEqual({
      file: f,
      line: videowidthLine,
      resource: 'RtmpPushTask media/lobby',
      severity: 'error',
      path: 'spec.mixconfig.output.videowidth',
      rule: 'must be a multiple of 8 (got 601)',
    });
  });

  it('points a missing field at the enclosing object', () => {
    const text = stringify(sourceTask('x', { uid: undefined }));
    const report = validateManifests('f.yaml', text);
    const specLine = text.split('\n').findIndex((l) => l.startsWith('spec:')) + 1;
    expect(report.findings.map((f) => [f.path, f.line])).toEqual([['spec.uid', specLine + 1]]);
  });

  it('warns about layout mistakes a preview picture would show: an input hidden under a higher layer', async () => {
    const req = cloneVendorSample();
    const [first, second] = req.mixconfig.input as Array<Record<string, unknown>>;
    Object.assign(second!, { pos_x: 0, pos_w: 800 });
    const r = await validate(file('hidden.yaml', stringify(manifestFromWireRequest(req, 'hidden'))));
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(
      `: RtmpPushTask media/hidden: warning: spec.mixconfig.input[0]: is hidden entirely under higher layers: input[1] (uid 222, layer 1); nothing of uid ${String(first!.uid)} is seen\n`,
    );
  });

  it('keeps auth_key values out of its output', async () => {
    const r = await runCommand(validateCommand, ['-f', '-'], {
      stdin: stringify(sourceTask('secret', { rtmpurls: ['http://push.example.com/live/u?auth_key=TOPSECRET'] })),
    });
    expect(r.code).toBe(1);
    expect(r.stdout).not.toContain('TOPSECRET');
    expect(r.stdout).toContain('auth_key=REDACTED');
  });
});

describe('YAML 1.1 readers (kubectl, Helm, Argo CD)', () => {
  const withWatermark = (text: string): string =>
    stringify(manifestFromWireRequest(cloneVendorSample(), 'wm')).replace('      audioencode: 1\n', `      audioencode: 1\n      watermark:\n${text}`);

  it.each([
    { reason: 'an unquoted key y', yaml: '        textList:\n          - {x: 10, y: 10, size: 20, content: LIVE}\n', path: 'spec.mixconfig.output.watermark.textList[0].y', rule: /key quoted \("y"\)/ },
    { reason: 'an unquoted value yes', yaml: '        textList:\n          - {x: 10, "y": 10, size: 20, content: yes}\n', path: 'spec.mixconfig.output.watermark.textList[0].content', rule: /quoted \("yes"\).*boolean true/ },
    { reason: 'a sexagesimal-looking value', yaml: '        textList:\n          - {x: 10, "y": 10, size: 20, content: 1:20}\n', path: 'spec.mixconfig.output.watermark.textList[0].content', rule: /number 80/ },
  ])('flags $reason, which kubectl would send as something else', ({ yaml, path: p, rule }) => {
    const report = validateManifests('wm.yaml', withWatermark(yaml));
    const f = report.findings.find((x) => x.path === p);
    expect(f?.severity).toBe('error');
    expect(f?.rule).toMatch(rule);
  });

  it('accepts the quoted forms', () => {
    const report = validateManifests('wm.yaml', withWatermark('        textList:\n          - {x: 10, "y": 10, size: 20, content: "yes"}\n'));
    expect(report.findings.filter((f) => f.severity === 'error')).toEqual([]);
  });
});

describe('pathSegments', () => {
  it.each([
    { path: 'spec.mixconfig.input[1].pos_w', want: ['spec', 'mixconfig', 'input', 1, 'pos_w'] },
    { path: 'spec.rtmpurls[0]', want: ['spec', 'rtmpurls', 0] },
    { path: 'spec', want: ['spec'] },
  ])('splits $path', ({ path: p, want }) => {
    expect(pathSegments(p)).toEqual(want);
  });
});
