import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { runCommand } from '../../test/fixtures/cli.js';
import { placedInput } from '../../test/fixtures/mix-inputs.js';
import { expectColour, renderSvgs } from '../../test/fixtures/render-svg.js';
import { windowColour } from '../preview/palette.js';
import { previewCommand } from './preview.js';

const SAMPLES = 'config/samples';
const VENDOR_SAMPLE = `${SAMPLES}/rtmp.jocloud.com_v1alpha1_rtmppushtask.yaml`;
const TEMPLATE_SAMPLE = `${SAMPLES}/rtmp.jocloud.com_v1alpha1_rtmppushtask_template.yaml`;
const SOURCE_SAMPLE = `${SAMPLES}/rtmp.jocloud.com_v1alpha1_rtmppushtask_source.yaml`;
const scratch = mkdtempSync(path.join(tmpdir(), 'rpt-preview-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));
const preview = (...argv: string[]) => runCommand(previewCommand, argv);

const output = { streamtype: 0, videowidth: 640, videoheight: 360, videobitrate: 800, videofps: 25, videogop: 50, videoencode: 100, audiobitrate: 64, audiochannel: 2, audiosample: 44100, audioencode: 1 };
const task = (name: string, mixconfig: Record<string, unknown>) => ({
  apiVersion: 'rtmp.jocloud.com/v1alpha1',
  kind: 'RtmpPushTask',
  metadata: { name, namespace: 'media' },
  spec: { appid: '1470236061', roomid: '123', streamtype: 1, rtmpurls: ['rtmp://push.example.com/live/u'], mixconfig: { output, ...mixconfig } },
});
const video = placedInput;
const yamlDocs = (docs: unknown[]): string => docs.map((d) => stringify(d, { version: '1.1' })).join('---\n');

describe('preview', () => {
  it("draws the vendor page's sample: 111 and 222 side by side on an 800 × 600 canvas", async () => {
    const r = await preview('-f', VENDOR_SAMPLE);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/<svg [^>]*width="800" height="600" viewBox="0 0 800 600"/);
    // Labels centred in the left and the right half.
    expect(r.stdout).toMatch(/<text x="200" [^>]*>uid 111<\/text>/);
    expect(r.stdout).toMatch(/<text x="600" [^>]*>uid 222<\/text>/);
    const [p] = await renderSvgs([r.stdout]);
    expect([p!.width, p!.height]).toEqual([800, 600]);
    for (const y of [200, 400]) {
      expectColour(p!, 20, y, windowColour(0), 'uid 111, left half');
      expectColour(p!, 380, y, windowColour(0), 'uid 111, left half');
      expectColour(p!, 420, y, windowColour(1), 'uid 222, right half');
      expectColour(p!, 780, y, windowColour(1), 'uid 222, right half');
    }
    // The vendor sample's own warning (gop) goes to stderr with the summary, not into the picture's stream.
    expect(r.stderr).toContain('warning: spec.mixconfig.output.videogop');
    expect(r.stdout).toContain('warning: spec.mixconfig.output.videogop'); // in <desc>
  });

  it('refuses an invalid spec with exit 1, naming the field, and draws nothing', async () => {
    const bad = task('bad', { input: [video('a', 0, 0, 0, 640, 360)], output: { ...output, videowidth: 641 } });
    const file = path.join(scratch, 'bad.yaml');
    writeFileSync(file, yamlDocs([task('good', { input: [video('a', 0, 0, 0, 640, 360)] }), bad]));
    const out = path.join(scratch, 'bad-out');
    const r = await preview('-f', file, '-o', out);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('RtmpPushTask media/bad: spec.mixconfig.output.videowidth: must be a multiple of 8 (got 641)');
    expect(r.stdout).toBe('');
    expect(existsSync(out)).toBe(false);
    const toStdout = await preview('-f', file);
    expect([toStdout.code, toStdout.stdout]).toEqual([1, '']);
  });

  it('writes several tasks into a directory: one SVG each and an index.html naming them, their lines and warnings', async () => {
    const out = path.join(scratch, 'all');
    const r = await preview('-f', SAMPLES, '-o', out);
    expect(r.code).toBe(0);
    expect(readdirSync(out).sort()).toEqual(['index.html', 'mixed-input-layout.svg', 'mixed-template-layout.svg']);
    const html = readFileSync(path.join(out, 'index.html'), 'utf8');
    expect(html).toContain('<img src="mixed-input-layout.svg" width="800" height="600"');
    expect(html).toContain('<img src="mixed-template-layout.svg" width="1280" height="720"');
    expect(html).toContain(`<p class="file">${SOURCE_SAMPLE}</p>`);
    expect(html).toContain('source push of uid 111 in room 123, forwarded as it is: no mix to draw');
    expect(html).toContain('audio-only mix (output streamtype 2) of uid 111 (room 123), uid 222 (room 123): no video to draw');
    expect(html).toContain('<li class="warning">warning: spec.mixconfig.output.videogop: should be a multiple of videofps');
    expect(html).toContain('template 3 (tiled), 4 users: the vendor&#39;s exact geometry is approximated');
  });

  it('needs -o DIR for several tasks, and FILE.svg takes one', async () => {
    expect((await preview('-f', SAMPLES)).stderr).toMatch(/4 RtmpPushTasks to draw: write them into a directory with -o DIR/);
    const r = await preview('-f', SAMPLES, '-o', path.join(scratch, 'one.svg'));
    expect(r.code).toBe(2);
  });

  it('writes one task to FILE.svg', async () => {
    const out = path.join(scratch, 'sub', 'vendor.svg');
    const r = await preview('-f', VENDOR_SAMPLE, '-o', out);
    expect(r.code).toBe(0);
    expect(readFileSync(out, 'utf8')).toMatch(/^<\?xml[^]*<svg [^>]*viewBox="0 0 800 600"/);
  });

  it('prints one line instead of a canvas for a source push, and writes no file', async () => {
    const out = path.join(scratch, 'source.svg');
    const r = await preview('-f', SOURCE_SAMPLE, '-o', out);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('RtmpPushTask source-push: source push of uid 111 in room 123, forwarded as it is: no mix to draw\n');
    expect(existsSync(out)).toBe(false);
  });

  it('lays a template out for --users N users (default 4 without inputs)', async () => {
    const windows = (svg: string): number => (svg.match(/<title>user \d+<\/title>/g) ?? []).length;
    expect(windows((await preview('-f', TEMPLATE_SAMPLE)).stdout)).toBe(4);
    expect(windows((await preview('-f', TEMPLATE_SAMPLE, '--users', '9')).stdout)).toBe(9);
    const tooMany = await preview('-f', TEMPLATE_SAMPLE, '--users', '17');
    expect(windows(tooMany.stdout)).toBe(16);
    expect(tooMany.stdout).toContain('17 users asked; the tiled template shows at most 16, the others are not drawn');
    expect((await preview('-f', TEMPLATE_SAMPLE, '--users', '0')).code).toBe(2);
  });

  it('escapes every text it draws, and names audio-only inputs without drawing them', async () => {
    const evil = '<script>alert(1)</script>&\u0001';
    const doc = task('evil', {
      input: [video(evil, 0, 0, 0, 640, 360), { uid: `${evil}-audio`, roomid: '123', streamtype: 2, layer: 0 }],
      output: { ...output, watermark: { textList: [{ x: 10, y: 10, size: 20, content: `]]> ${evil}` }] } },
    });
    const file = path.join(scratch, 'evil.yaml');
    writeFileSync(file, yamlDocs([doc, task('other', { input: [video('b', 0, 0, 0, 640, 360)] })]));
    const out = path.join(scratch, 'evil');
    expect((await preview('-f', file, '-o', out)).code).toBe(0);
    const svg = readFileSync(path.join(out, 'media.evil.svg'), 'utf8');
    const html = readFileSync(path.join(out, 'index.html'), 'utf8');
    for (const text of [svg, html]) {
      expect(text).not.toContain('<script');
      expect(text).not.toContain('\u0001');
    }
    expect(svg).toContain('&lt;script&gt;alert(1)&lt;/script&gt;&amp;\uFFFD-audio (room 123)');
    expect(html).toContain('audio-only inputs, heard but not drawn: uid &lt;script&gt;');
    // librsvg refuses malformed XML: rendering proves the escaping kept the document well-formed.
    const [p] = await renderSvgs([svg]);
    expectColour(p!, 630, 350, windowColour(0), 'the video input');
  });

  it('exits 2 when there is nothing to draw or the file is unreadable', async () => {
    const empty = path.join(scratch, 'empty.yaml');
    writeFileSync(empty, 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\n');
    expect(await preview('-f', empty)).toMatchObject({ code: 2, stderr: expect.stringMatching(/no RtmpPushTask found/) as unknown });
    expect((await preview('-f', '/nonexistent/x.yaml')).code).toBe(2);
    expect((await preview()).code).toBe(2);
  });
});
