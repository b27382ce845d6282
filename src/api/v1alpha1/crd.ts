// The CustomResourceDefinition, generated from the zod schemas so it can never disagree with what
// the operator checks. OpenAPI carries the per-field rules (kubectl apply refuses a bad value);
// cross-field rules stay in zod, checked by the operator (Synced=False, InvalidSpec) and by
// `validate`. No CEL (x-kubernetes-validations): kube-apiserver before 1.25 lacks it, and kubectl's
// client-side validation against such a server refuses the whole CRD ("unknown field
// x-kubernetes-validations"), so it would break installs rather than be ignored.
import { z } from 'zod';
import { API_VERSION, CATEGORIES, CRD_NAME, GROUP, KIND, LIST_KIND, PLURAL, SHORT_NAMES, SINGULAR, VERSION } from './constants.js';
import { rtmpPushTaskSpecSchema } from './spec.js';
import { rtmpPushTaskStatusSchema } from './status.js';

type JsonSchema = { [key: string]: unknown };

/** Keywords a structural schema may not use (apiextensions.k8s.io/v1 refuses the CRD). */
const FORBIDDEN = ['$ref', '$schema', '$defs', 'definitions', 'id', 'const', 'dependencies', 'patternProperties', 'additionalItems', 'uniqueItems', 'oneOf', 'anyOf', 'allOf', 'not'];

/** zod's z.int() bounds: JavaScript's safe-integer range, noise in a CRD. */
const SAFE_BOUND = Number.MAX_SAFE_INTEGER;

/** zod output in OpenAPI 3.0 form, made acceptable to Kubernetes. */
export function crdSchemaOf(schema: z.ZodType): JsonSchema {
  const raw = z.toJSONSchema(schema, { target: 'openapi-3.0', io: 'input', unrepresentable: 'throw' }) as JsonSchema;
  return structural(raw, '');
}

function structural(node: JsonSchema, at: string): JsonSchema {
  const out: JsonSchema = {};
  for (const [key, value] of Object.entries(node)) {
    if (key === '$schema') continue;
    // Kubernetes refuses a node with both; properties already say what is allowed (the apiserver
    // prunes the rest), and the operator's zod check reports unknown fields by name.
    if (key === 'additionalProperties' && 'properties' in node) continue;
    if ((key === 'maximum' && value === SAFE_BOUND) || (key === 'minimum' && value === -SAFE_BOUND)) continue;
    // zod writes a date-time regex beside format; Kubernetes checks the format itself.
    if (key === 'pattern' && node.format === 'date-time') continue;
    if (FORBIDDEN.includes(key)) throw new Error(`CRD schema at ${at || '/'}: "${key}" is not allowed in a structural schema`);
    if (key === 'properties') {
      out[key] = Object.fromEntries(Object.entries(value as Record<string, JsonSchema>).map(([k, v]) => [k, structural(v, `${at}.${k}`)]));
    } else if (key === 'items') {
      out[key] = structural(value as JsonSchema, `${at}[]`);
    } else {
      out[key] = value;
    }
  }
  if (typeof out.type !== 'string' && out['x-kubernetes-preserve-unknown-fields'] !== true) {
    throw new Error(`CRD schema at ${at || '/'}: every node needs a type in a structural schema`);
  }
  return out;
}

const conditionColumn = (type: string): object => ({
  name: type,
  type: 'string',
  jsonPath: `.status.conditions[?(@.type=="${type}")].status`,
});

export function buildCrd(): object {
  const spec = crdSchemaOf(rtmpPushTaskSpecSchema);
  const status = crdSchemaOf(rtmpPushTaskStatusSchema);
  return {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: { name: CRD_NAME },
    spec: {
      group: GROUP,
      names: { kind: KIND, listKind: LIST_KIND, plural: PLURAL, singular: SINGULAR, shortNames: [...SHORT_NAMES], categories: [...CATEGORIES] },
      scope: 'Namespaced',
      versions: [
        {
          name: VERSION,
          served: true,
          storage: true,
          subresources: { status: {} },
          additionalPrinterColumns: [
            { name: 'Roomid', type: 'string', jsonPath: '.spec.roomid' },
            { name: 'Streamtype', type: 'integer', jsonPath: '.spec.streamtype' },
            { name: 'Taskid', type: 'string', jsonPath: '.status.taskid' },
            conditionColumn('Ready'),
            conditionColumn('Streaming'),
            { name: 'Suspend', type: 'boolean', jsonPath: '.spec.suspend', priority: 1 },
            { name: 'Reason', type: 'string', jsonPath: '.status.conditions[?(@.type=="Synced")].reason', priority: 1 },
            // What Flux shows as "Status": the Ready condition's message says what is wrong.
            { name: 'Status', type: 'string', jsonPath: '.status.conditions[?(@.type=="Ready")].message' },
            { name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp' },
          ],
          schema: {
            openAPIV3Schema: {
              type: 'object',
              description: `${KIND} keeps one jocloud push-to-CDN task (startrtmp/stoprtmp) in step with its spec (${API_VERSION}).`,
              required: ['spec'],
              properties: {
                apiVersion: { type: 'string' },
                kind: { type: 'string' },
                metadata: { type: 'object' },
                spec: { ...spec, description: 'The push the vendor should run. Field names mirror the vendor API.' },
                status: { ...status, description: 'What the operator knows of the vendor side.' },
              },
            },
          },
        },
      ],
    },
  };
}
