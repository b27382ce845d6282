// `kubectl explain rtmppushtask.status` shows each field's description from the CRD: every status
// field, at every depth, must have one (the integration test events-explain runs kubectl itself).
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { CRD_FILE } from '../../src/api/v1alpha1/crd-files.js';
import { REPO_ROOT } from '../harness/helm.js';

type Node = { description?: string; properties?: Record<string, Node>; items?: Node };

function* fields(n: Node, where: string): Generator<[string, Node]> {
  for (const [k, v] of Object.entries(n.properties ?? {})) {
    yield [`${where}.${k}`, v];
    yield* fields(v, `${where}.${k}`);
  }
  if (n.items !== undefined) yield* fields(n.items, `${where}[]`);
}

describe('the generated CRD', () => {
  it('describes status and every field under it', () => {
    const crd = parse(readFileSync(path.join(REPO_ROOT, CRD_FILE), 'utf8')) as { spec: { versions: Array<{ schema: { openAPIV3Schema: Node } }> } };
    const status = crd.spec.versions[0]?.schema.openAPIV3Schema.properties?.status;
    expect(status?.description).toBeTruthy();
    const all = [...fields(status ?? {}, 'status')];
    expect(all.length).toBeGreaterThanOrEqual(33);
    expect(all.filter(([, n]) => (n.description ?? '').trim() === '').map(([where]) => where)).toEqual([]);
  });
});
