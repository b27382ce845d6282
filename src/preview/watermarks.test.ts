import { describe, expect, it } from 'vitest';
import { fileName, sampleTimestamp, watermarkBoxes } from './watermarks.js';

describe('watermark boxes', () => {
  it.each([
    ['%Y/%m/%d', '2024/06/01'],
    ['%Y-%m-%d', '2024-06-01'],
    ['%H:%M:%S', '20:30:15'],
    ['%Y/%m/%d %H:%M:%S', '2024/06/01 20:30:15'],
    ['%Y-%m-%d %H:%M:%S', '2024-06-01 20:30:15'],
  ])('shows %s as the fixed sample moment %s', (format, want) => {
    expect(sampleTimestamp(format)).toBe(want);
  });

  it('names an image by its file, never its query (which may carry a signature)', () => {
    expect(fileName('https://cdn.example.com/brand/logo.png?sign=SECRET#x')).toBe('logo.png');
    expect(fileName('https://cdn.example.com/')).toBe('image');
  });

  it('estimates text boxes from the size: 0.6 em a letter, a whole em for CJK, padding around', () => {
    const [latin, cjk] = watermarkBoxes({ textList: [{ x: 10, y: 20, size: 20, content: 'LIVE' }, { x: 10, y: 60, size: 20, content: '直播' }] });
    expect(latin?.rect).toEqual({ x: 10, y: 20, w: 4 * 12 + 8, h: 28 });
    expect(cjk?.rect).toEqual({ x: 10, y: 60, w: 2 * 20 + 8, h: 28 });
    expect(latin).toMatchObject({ colour: 'FFFFFF', background: '000000', alpha: 1 });
  });
});
