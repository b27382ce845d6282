// The README's pictures of config/samples are the tool's own output, committed; this fails when the
// samples or the drawing change without them being regenerated.
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { previewCommand } from '../../src/cli/preview.js';
import { runCommand } from '../fixtures/cli.js';

const COMMITTED = 'docs/preview';
const REGENERATE = 'regenerate with: npm run operator -- preview -f config/samples -o docs/preview';
const scratch = mkdtempSync(path.join(tmpdir(), 'rpt-preview-drift-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

it('docs/preview holds exactly what `preview -f config/samples` draws', async () => {
  const r = await runCommand(previewCommand, ['-f', 'config/samples', '-o', scratch]);
  expect(r.code, r.stderr).toBe(0);
  const fresh = readdirSync(scratch).sort();
  expect(readdirSync(COMMITTED).sort(), REGENERATE).toEqual(fresh);
  for (const name of fresh) {
    expect(readFileSync(path.join(COMMITTED, name), 'utf8'), `${COMMITTED}/${name} drifted; ${REGENERATE}`).toBe(
      readFileSync(path.join(scratch, name), 'utf8'),
    );
  }
});
