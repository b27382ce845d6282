import { describe, expect, it } from 'vitest';
import { placedInput, videoOutput } from '../../test/fixtures/mix-inputs.js';
import { mixConfigSchema, type MixConfig } from '../jocloud/wire.js';
import { coveredBy } from './geometry.js';
import { layoutWarnings } from './layout-warnings.js';

const output = videoOutput(800, 600);
const at = placedInput;
const mix = (m: Record<string, unknown>): MixConfig => mixConfigSchema.parse({ output, ...m });
const warn = (m: Record<string, unknown>) => layoutWarnings(mix(m), 'spec.mixconfig');

describe('layout warnings', () => {
  it('name an input hidden entirely under higher layers, even when it takes two to cover it', () => {
    const w = warn({ input: [at('small', 0, 100, 100, 200, 100), at('left', 1, 0, 0, 200, 600), at('right', 2, 200, 0, 600, 600)] });
    expect(w).toEqual([
      {
        path: 'spec.mixconfig.input[0]',
        rule: 'is hidden entirely under higher layers: input[1] (uid left, layer 1), input[2] (uid right, layer 2); nothing of uid small is seen',
      },
    ]);
  });

  it.each([
    { reason: 'a visible strip', input: [at('a', 0, 0, 0, 400, 300), at('b', 1, 0, 0, 400, 299)] },
    { reason: 'a translucent input above', input: [at('a', 0, 0, 0, 400, 300), at('b', 1, 0, 0, 800, 600, { alpha: 0.9 })] },
    { reason: 'an input on the same layer (order undocumented)', input: [at('a', 0, 0, 0, 400, 300), at('b', 0, 0, 0, 800, 600)] },
    { reason: 'an audio input under a video one', input: [{ uid: 'a', roomid: '123', streamtype: 2, layer: 0 }, at('b', 1, 0, 0, 800, 600)] },
    { reason: 'the part outside the canvas covered, the rest not', input: [at('a', 0, 700, 0, 200, 100), at('b', 1, 0, 0, 750, 600)] },
  ])('stay quiet about $reason', ({ input }) => {
    expect(warn({ input })).toEqual([]);
  });

  it('counts only the visible part: what sticks out of the canvas does not keep an input seen', () => {
    const w = warn({ input: [at('a', 0, 700, 0, 200, 100), at('b', 1, 0, 0, 800, 600)] });
    expect(w.map((p) => p.path)).toEqual(['spec.mixconfig.input[0]']);
  });

  it('name an input entirely outside the canvas', () => {
    expect(warn({ input: [at('a', 0, 0, 0, 800, 600), at('gone', 1, 800, 0, 100, 100)] })).toEqual([
      { path: 'spec.mixconfig.input[1]', rule: 'lies entirely outside the 800 × 600 canvas: nothing of uid gone is seen' },
    ]);
  });

  it('leave input positions alone when a template lays the users out', () => {
    expect(warn({ templateid: 3, input: [at('a', 0, 0, 0, 100, 100), at('b', 1, 0, 0, 800, 600)] })).toEqual([]);
  });

  it('say when a text watermark probably runs off the canvas, as an estimate', () => {
    // 10 characters at size 50: about 10 × 0.6 × 50 + padding = 320 px wide, 70 px high.
    const w = warn({ input: [at('a', 0, 0, 0, 800, 600)], output: { ...output, watermark: { textList: [{ x: 500, y: 540, size: 50, content: '0123456789' }] } } });
    expect(w.map((p) => [p.path, p.rule.split(':')[0]])).toEqual([
      ['spec.mixconfig.output.watermark.textList[0]', 'probably runs past the right edge of the canvas'],
      ['spec.mixconfig.output.watermark.textList[0]', 'probably runs past the bottom edge of the canvas'],
    ]);
    expect(w[0]?.rule).toContain('ends near x 820 > videowidth 800');
    expect(w[0]?.rule).toContain('estimated');
  });

  it('name watermarks over one another', () => {
    const watermark = {
      imageList: [
        { x: 10, y: 10, width: 100, height: 100, url: 'https://cdn.example.com/a.png', scale: 0 },
        { x: 300, y: 10, width: 100, height: 100, url: 'https://cdn.example.com/b.png', scale: 0 },
        { x: 90, y: 90, width: 50, height: 50, url: 'https://cdn.example.com/c.png', scale: 0 },
      ],
      timestamp: { x: 310, y: 20, size: 20, format: '%H:%M:%S' },
    };
    expect(warn({ input: [at('a', 0, 0, 0, 800, 600)], output: { ...output, watermark } })).toEqual([
      { path: 'spec.mixconfig.output.watermark.imageList[2]', rule: 'overlaps output.watermark.imageList[0]' },
      {
        path: 'spec.mixconfig.output.watermark.timestamp',
        rule: "overlaps output.watermark.imageList[1] (text boxes estimated from the font size; the vendor's font metrics are not published)",
      },
    ]);
  });

  it('say nothing for an audio-only output', () => {
    const audio = { streamtype: 2, audiobitrate: 64, audiochannel: 2, audiosample: 44100, audioencode: 1 };
    expect(layoutWarnings(mixConfigSchema.parse({ output: audio, input: [{ uid: 'a', roomid: '123', streamtype: 2, layer: 0 }] }))).toEqual([]);
  });
});

describe('coveredBy', () => {
  const target = { x: 0, y: 0, w: 10, h: 10 };
  it.each([
    { cover: [{ x: 0, y: 0, w: 10, h: 10 }], want: true },
    { cover: [{ x: -5, y: -5, w: 20, h: 20 }], want: true },
    { cover: [{ x: 0, y: 0, w: 5, h: 10 }, { x: 5, y: 0, w: 5, h: 10 }], want: true },
    { cover: [{ x: 0, y: 0, w: 6, h: 6 }, { x: 4, y: 4, w: 6, h: 6 }], want: false },
    { cover: [{ x: 0, y: 0, w: 10, h: 5 }, { x: 0, y: 5, w: 4, h: 5 }, { x: 5, y: 5, w: 5, h: 5 }], want: false },
    { cover: [], want: false },
  ])('$cover → $want', ({ cover, want }) => {
    expect(coveredBy(target, cover)).toBe(want);
  });
});
