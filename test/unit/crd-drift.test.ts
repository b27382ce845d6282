// The committed CRD files must be what the zod schemas generate: a schema change without
// `npm run generate` (or a hand edit of a generated file) fails here.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { generatedCrdFiles } from '../../src/api/v1alpha1/crd-files.js';

describe('generated CRD files', () => {
  it.each(generatedCrdFiles())('$path is up to date (run `npm run generate` if not)', ({ path, content }) => {
    let committed: string;
    try {
      committed = readFileSync(path, 'utf8');
    } catch {
      throw new Error(`${path} is missing: run \`npm run generate\``);
    }
    expect(committed, `${path} differs from the generator: run \`npm run generate\``).toBe(content);
  });
});
