import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { buildCrd, crdSchemaOf } from './crd.js';

type Node = { [key: string]: unknown };
interface Crd {
  metadata: { name: string };
  spec: {
    group: string;
    names: Node;
    scope: string;
    versions: Array<{ name: string; subresources: Node; additionalPrinterColumns: Node[]; schema: { openAPIV3Schema: Node } }>;
  };
}
const crd = buildCrd() as Crd;
const version = crd.spec.versions[0]!;
const root = version.schema.openAPIV3Schema;
const at = (...keys: string[]): Node => keys.reduce<Node>((n, k) => (k === '[]' ? (n.items as Node) : ((n.properties as Node)[k] as Node)), root);

function* nodes(n: Node, where = ''): Generator<[string, Node]> {
  yield [where, n];
  for (const [k, v] of Object.entries((n.properties as Record<string, Node> | undefined) ?? {})) yield* nodes(v, `${where}.${k}`);
  if (n.items !== undefined) yield* nodes(n.items as Node, `${where}[]`);
}

describe('buildCrd', () => {
  it('names the resource as the API promises', () => {
    expect(crd.metadata.name).toBe('rtmppushtasks.rtmp.jocloud.com');
    expect(crd.spec.group).toBe('rtmp.jocloud.com');
    expect(crd.spec.scope).toBe('Namespaced');
    expect(crd.spec.names).toMatchObject({ kind: 'RtmpPushTask', plural: 'rtmppushtasks', shortNames: ['rpt'] });
    expect(version.name).toBe('v1alpha1');
    expect(version.subresources).toEqual({ status: {} });
  });

  it('is structural: a type everywhere, never properties with additionalProperties, no forbidden keywords', () => {
    for (const [where, n] of nodes(root)) {
      expect(typeof n.type, `${where} has no type`).toBe('string');
      expect(n.properties !== undefined && n.additionalProperties !== undefined, `${where} has both`).toBe(false);
      for (const k of ['$schema', '$ref', 'anyOf', 'oneOf', 'allOf', 'not', 'uniqueItems', 'const']) expect(n[k], `${where}.${k}`).toBeUndefined();
    }
  });

  it('drops the noise zod adds: safe-integer bounds and the date-time regex', () => {
    for (const [where, n] of nodes(root)) {
      expect(n.maximum, where).not.toBe(Number.MAX_SAFE_INTEGER);
      if (n.format === 'date-time') expect(n.pattern, where).toBeUndefined();
    }
  });

  it.each([
    { field: ['spec', 'mixconfig', 'output', 'videowidth'], want: { type: 'integer', minimum: 0, exclusiveMinimum: true, maximum: 10000, exclusiveMaximum: true, multipleOf: 8 } },
    { field: ['spec', 'mixconfig', 'output', 'videoencode'], want: { type: 'integer', enum: [100, 101] } },
    { field: ['spec', 'mixconfig', 'output', 'videogop'], want: { type: 'integer', maximum: 1000 } },
    { field: ['spec', 'mixconfig', 'output', 'base64seidata'], want: { type: 'string', maxLength: 2048 } },
    { field: ['spec', 'mixconfig', 'output', 'watermark', 'timestamp', 'color'], want: { pattern: '^[0-9A-Fa-f]{6}$' } },
    { field: ['spec', 'mixconfig', 'input', '[]', 'alpha'], want: { type: 'number', minimum: 0, maximum: 1 } },
    { field: ['spec', 'mixconfig', 'templateid'], want: { enum: [1, 2, 3, 4] } },
    { field: ['spec', 'streamtype'], want: { type: 'integer', enum: [1, 2] } },
    { field: ['spec', 'rtmpurls'], want: { minItems: 1, maxItems: 5, 'x-kubernetes-list-type': 'set' } },
    { field: ['spec', 'rtmpurls', '[]'], want: { maxLength: 256 } },
    { field: ['spec', 'suspend'], want: { type: 'boolean', default: false } },
    { field: ['spec', 'deletionPolicy'], want: { enum: ['Delete', 'Orphan'], default: 'Delete' } },
    { field: ['status', 'conditions'], want: { 'x-kubernetes-list-type': 'map', 'x-kubernetes-list-map-keys': ['type'] } },
    // The 1.20 test apiserver refuses "" in a non-nullable string (see status.ts).
    { field: ['status', 'conditions', '[]', 'message'], want: { type: 'string', nullable: true } },
    { field: ['status', 'destinations', '[]', 'description'], want: { type: 'string', nullable: true } },
    { field: ['status', 'lastResponse', 'message'], want: { type: 'string', nullable: true } },
  ])('carries the per-field rule of $field', ({ field, want }) => {
    expect(at(...field)).toMatchObject(want);
  });

  it('requires what the vendor always requires, and no more (cross-field rules stay in zod)', () => {
    expect(at('spec').required).toEqual(['roomid', 'streamtype', 'rtmpurls']);
    expect(at('spec', 'mixconfig').required).toEqual(['output']);
    expect(at('spec', 'mixconfig', 'output').required).toEqual(['streamtype']);
    expect(root.required).toEqual(['spec']);
  });

  it.each([
    { address: 'rtmp://push.example.com/live/x?auth_key=1-0-0-abc', ok: true },
    { address: 'rtmps://push.example.com:443/live/x', ok: true },
    { address: 'rtmp://a/x,rtmp://b/y', ok: false },
    { address: 'http://push.example.com/live/x', ok: false },
    { address: 'rtmp:///live/x', ok: false },
    { address: 'rtmp://push.example.com/live/a b', ok: false },
  ])('lets the apiserver check addresses: $address → $ok', ({ address, ok }) => {
    expect(new RegExp(at('spec', 'rtmpurls', '[]').pattern as string).test(address)).toBe(ok);
  });

  it('shows roomid, streamtype, taskid, Ready, Streaming, the Ready message and Age in kubectl get', () => {
    const columns = version.additionalPrinterColumns.filter((c) => c.priority === undefined);
    expect(columns.map((c) => [c.name, c.jsonPath])).toEqual([
      ['Roomid', '.spec.roomid'],
      ['Streamtype', '.spec.streamtype'],
      ['Taskid', '.status.taskid'],
      ['Ready', '.status.conditions[?(@.type=="Ready")].status'],
      ['Streaming', '.status.conditions[?(@.type=="Streaming")].status'],
      ['Status', '.status.conditions[?(@.type=="Ready")].message'],
      ['Age', '.metadata.creationTimestamp'],
    ]);
  });

  it('has no CEL rules: kubectl against a pre-1.25 apiserver refuses the CRD over them', () => {
    for (const [where, n] of nodes(root)) expect(n['x-kubernetes-validations'], where).toBeUndefined();
  });
});

describe('crdSchemaOf', () => {
  it.each([
    { reason: 'a union (anyOf)', schema: z.object({ a: z.union([z.string(), z.int()]) }) },
    { reason: 'a node without type', schema: z.object({ a: z.unknown() }) },
  ])('refuses $reason, which Kubernetes would', ({ schema }) => {
    expect(() => crdSchemaOf(schema)).toThrow(/structural/);
  });
  it('refuses a bigint, which OpenAPI cannot express', () => {
    expect(() => crdSchemaOf(z.object({ a: z.bigint() }))).toThrow();
  });
});
