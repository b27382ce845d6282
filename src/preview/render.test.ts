// The pictures as a real renderer (librsvg) draws them: pixels inside windows and watermark boxes,
// layer order, opacity, and the four templates. All pictures render in one batch.
import { beforeAll, describe, expect, it } from 'vitest';
import { placedInput, videoOutput } from '../../test/fixtures/mix-inputs.js';
import { expectColour, renderSvgs, type Picture } from '../../test/fixtures/render-svg.js';
import { validateSpec } from '../api/v1alpha1/validate-spec.js';
import { drawSvg } from './draw.js';
import { borderColour, rgb, windowColour } from './palette.js';
import { buildPreview, type Canvas } from './scene.js';
import { templateSlots, type TemplateId } from './templates.js';

function canvasOf(mixconfig: Record<string, unknown>, users?: number): Canvas {
  const r = validateSpec({ appid: '1', roomid: '123', streamtype: 1, rtmpurls: ['rtmp://push.example.com/live/t'], mixconfig });
  if (!r.ok) throw new Error(`test spec is invalid: ${JSON.stringify(r.problems)}`);
  const p = buildPreview('RtmpPushTask t', r.spec, { users });
  if (p.kind !== 'canvas') throw new Error('expected a canvas');
  return p;
}
const input = placedInput;

const TEMPLATE_USERS = [1, 4, 9, 17];
const templateCase = (id: TemplateId, users: number) => `template ${id} × ${users}`;

const cases: Record<string, Canvas> = {
  background: canvasOf({ input: [input('a', 0, 100, 100, 200, 150)], output: { ...videoOutput(800, 600), background: { color: '203040' } } }),
  // The first input is listed first but sits on the higher layer.
  layers: canvasOf({ input: [input('top', 1, 0, 0, 640, 360), input('under', 0, 480, 240, 640, 360)], output: videoOutput(1280, 720) }),
  layersSwapped: canvasOf({ input: [input('under', 0, 0, 0, 640, 360), input('top', 1, 480, 240, 640, 360)], output: videoOutput(1280, 720) }),
  alpha: canvasOf({ input: [input('half', 0, 0, 0, 400, 300, { alpha: 0.5 })], output: videoOutput(800, 600) }),
  crop: canvasOf({ input: [input('tall', 0, 0, 0, 400, 600, { crop: 0 }), input('fill', 0, 400, 0, 400, 600, { crop: 1 })], output: videoOutput(800, 600) }),
  watermarks: canvasOf({
    input: [input('full', 0, 0, 0, 800, 600)],
    output: {
      ...videoOutput(800, 600),
      watermark: {
        timestamp: { x: 40, y: 40, format: '%H:%M:%S', size: 20, backgroundColor: '000080' },
        textList: [{ x: 40, y: 500, content: 'LIVE', size: 40, color: 'FFFFFF', backgroundColor: 'C00000' }],
        imageList: [{ x: 600, y: 40, width: 160, height: 90, url: 'https://cdn.example.com/logo.png', scale: 1 }],
      },
    },
  }),
  backgroundImage: canvasOf({
    input: [input('a', 0, 0, 0, 100, 100)],
    output: { ...videoOutput(800, 600), background: { color: 'FF0000', image: { url: 'https://cdn.example.com/bg.png', scale: 0 } } },
  }),
};
for (const id of [1, 2, 3, 4] as const) {
  for (const users of TEMPLATE_USERS) cases[templateCase(id, users)] = canvasOf({ templateid: id, output: videoOutput(800, 600) }, users);
}

const pictures = new Map<string, Picture>();
beforeAll(async () => {
  const names = Object.keys(cases);
  const rendered = await renderSvgs(names.map((n) => drawSvg(cases[n]!)));
  names.forEach((n, i) => pictures.set(n, rendered[i]!));
});
const pic = (name: string): Picture => pictures.get(name)!;

describe('preview pictures (rendered by librsvg)', () => {
  it('are exactly the canvas size', () => {
    expect([pic('background').width, pic('background').height]).toEqual([800, 600]);
    expect([pic('layers').width, pic('layers').height]).toEqual([1280, 720]);
  });

  it('fill an input’s rectangle with its colour and leave the background colour around it', () => {
    const p = pic('background');
    expectColour(p, 292, 242, windowColour(0), 'inside the input, near its bottom-right corner');
    expectColour(p, 106, 106, windowColour(0), 'inside the input, near its top-left corner');
    expectColour(p, 310, 240, '203040', 'right of the input');
    expectColour(p, 200, 260, '203040', 'below the input');
    expectColour(p, 5, 5, '203040', 'canvas corner');
  });

  it('draw a higher layer over a lower one, whatever the list order', () => {
    expectColour(pic('layers'), 600, 320, windowColour(0), 'overlap: the layer-1 input listed first');
    expectColour(pic('layers'), 1000, 590, windowColour(1), 'the lower input outside the overlap');
    expectColour(pic('layersSwapped'), 600, 320, windowColour(1), 'overlap: the layer-1 input listed second');
    expectColour(pic('layersSwapped'), 40, 40, windowColour(0), 'the lower input outside the overlap');
  });

  it('draw alpha as opacity over the background', () => {
    const half = rgb(windowColour(0)).map((c) => Math.round(c / 2).toString(16).padStart(2, '0')).join('');
    expectColour(pic('alpha'), 390, 290, half, 'alpha 0.5 over black');
  });

  it('show crop 0 as a fitted picture with borders and crop 1 as a filled window', () => {
    // A 16:9 picture fitted into 400 × 600 is 400 × 225, centred: borders above and below.
    expectColour(pic('crop'), 20, 200, windowColour(0), 'crop 0: the picture');
    expectColour(pic('crop'), 20, 100, borderColour(windowColour(0)), 'crop 0: the border above the picture');
    expectColour(pic('crop'), 20, 500, borderColour(windowColour(0)), 'crop 0: the border below the picture');
    expectColour(pic('crop'), 420, 100, windowColour(1), 'crop 1: filled to the top');
  });

  it('draw watermark boxes where they are, with their colours', () => {
    const p = pic('watermarks');
    expectColour(p, 606, 124, 'E0E0E0', 'image watermark, inside its bottom-left corner');
    expectColour(p, 754, 46, 'E0E0E0', 'image watermark, inside its top-right corner');
    expectColour(p, 594, 60, windowColour(0), 'left of the image watermark');
    expectColour(p, 600, 140, windowColour(0), 'below the image watermark');
    expectColour(p, 42, 502, 'C00000', 'text watermark background');
    expectColour(p, 160, 520, windowColour(0), 'right of the text watermark');
    expectColour(p, 41, 41, '000080', 'timestamp background');
  });

  it('draw a background image as a striped box over the whole canvas, not the ignored colour', () => {
    const p = pic('backgroundImage');
    for (const [x, y] of [[400, 300], [790, 590], [120, 20]] as const) {
      const got = p.rgb(x, y).join(',');
      expect(['74,74,74', '90,90,90'], `background image at (${x}, ${y})`).toContain(got);
    }
  });

  describe.each([1, 2, 3, 4] as const)('template %i', (id) => {
    it.each(TEMPLATE_USERS)('draws every window of %i users in its place and colour', (users) => {
      const p = pic(templateCase(id, users));
      const slots = templateSlots(id, users, 800, 600);
      expect(cases[templateCase(id, users)]!.windows).toHaveLength(slots.length);
      slots.forEach(({ rect: r }, i) => {
        expectColour(p, r.x + r.w - 6, r.y + r.h - 6, windowColour(i), `user ${i + 1}, near the bottom-right corner`);
        expectColour(p, r.x + 6, r.y + r.h - 6, windowColour(i), `user ${i + 1}, near the bottom-left corner`);
      });
    });
  });
});
