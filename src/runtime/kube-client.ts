// Small pieces shared by the runtime's Kubernetes callers: a raw authenticated GET (list and watch
// need the response stream and the real status code, which the generated clients hide), a way
// to give a generated-client call an AbortSignal, and status-code extraction from errors. Every
// call goes through the KubeConfig's one connection pool (kube-clients.ts), which also gives
// each call that is not a watch a deadline.
import { ApiException, Observable, type ConfigurationOptions, type KubeConfig, type RequestContext, type ResponseContext } from '@kubernetes/client-node';
import { KubeClients, type KubeStream } from './kube-clients.js';

/** A non-2xx answer from the apiserver, with the code and message of its Status body. */
export class KubeHttpError extends Error {
  override readonly name = 'KubeHttpError';

  constructor(
    readonly statusCode: number,
    message: string,
    readonly reason?: string,
  ) {
    super(message);
  }

  /** A failed answer (a metav1.Status body when the apiserver produced it). */
  static fromBody(statusCode: number, text: string, what: string): KubeHttpError {
    const status = parseStatus(text);
    const message = status?.message ?? (text.slice(0, 200) || 'no message');
    return new KubeHttpError(statusCode, `${what}: HTTP ${statusCode}: ${message}`, status?.reason);
  }

  /** Reads the body of a failed streamed answer. */
  static async fromStream(response: KubeStream, what: string): Promise<KubeHttpError> {
    let text = '';
    try {
      for await (const chunk of response.body) {
        text += String(chunk);
        if (text.length > 4096) break;
      }
    } catch {
      // The status code alone still says what happened.
    }
    response.body.destroy();
    return KubeHttpError.fromBody(response.status, text, what);
  }
}

export interface KubeStatus {
  code?: number;
  reason?: string;
  message?: string;
}

/** The fields of a metav1.Status that matter here, or undefined if `value` is not one. */
export function asStatus(value: unknown): KubeStatus | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const v = value as Record<string, unknown>;
  const status: KubeStatus = {};
  if (typeof v.code === 'number') status.code = v.code;
  if (typeof v.reason === 'string') status.reason = v.reason;
  if (typeof v.message === 'string') status.message = v.message;
  return status;
}

function parseStatus(text: string): KubeStatus | undefined {
  try {
    return asStatus(JSON.parse(text));
  } catch {
    return undefined;
  }
}

export type QueryParams = Readonly<Record<string, string | number | boolean | undefined>>;

function withQuery(path: string, query: QueryParams): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) {
    if (value !== undefined) params.set(key, String(value));
  }
  const search = params.toString();
  return search === '' ? path : `${path}?${search}`;
}

/**
 * An authenticated GET of `path` (e.g. `/api/v1/namespaces/x/configmaps`) on the current cluster
 * whose body is streamed (watches): no deadline, `signal` ends it. The caller owns the body.
 */
export function kubeGet(kubeConfig: KubeConfig, path: string, query: QueryParams, signal: AbortSignal): Promise<KubeStream> {
  return KubeClients.for(kubeConfig).stream(withQuery(path, query), signal);
}

/** A GET with a deadline that parses the JSON body and throws KubeHttpError on a non-2xx answer. */
export async function kubeGetJson(kubeConfig: KubeConfig, path: string, query: QueryParams, signal: AbortSignal): Promise<unknown> {
  const response = await KubeClients.for(kubeConfig).request({ method: 'GET', path: withQuery(path, query), signal });
  if (response.status < 200 || response.status > 299) throw KubeHttpError.fromBody(response.status, response.text, `GET ${path}`);
  return JSON.parse(response.text) as unknown;
}

/**
 * Options for a generated-client call (`api.readNamespacedLease(param, requestOptions(signal))`)
 * so that it can be cancelled or given a deadline (`AbortSignal.timeout(ms)`).
 */
export function requestOptions(signal: AbortSignal): ConfigurationOptions {
  return {
    middleware: [
      {
        pre: (ctx: RequestContext) => {
          ctx.setSignal(signal);
          return new Observable(Promise.resolve(ctx));
        },
        post: (response: ResponseContext) => new Observable(Promise.resolve(response)),
      },
    ],
    middlewareMergeStrategy: 'append',
  };
}

/** The HTTP status of a failed Kubernetes call (generated client or kubeGet), if it has one. */
export function httpStatusOf(error: unknown): number | undefined {
  if (error instanceof ApiException) return (error as ApiException<unknown>).code;
  if (error instanceof KubeHttpError) return error.statusCode;
  return undefined;
}

/** A short, secret-free description of a Kubernetes call failure for logs and status. */
export function describeKubeError(error: unknown): string {
  if (error instanceof ApiException) {
    const e = error as ApiException<unknown>;
    const body: unknown = typeof e.body === 'string' ? parseJson(e.body) : e.body;
    const message = asStatus(body)?.message;
    return `HTTP ${e.code}${message !== undefined ? `: ${message}` : ''}`;
  }
  if (error instanceof Error) return error.message;
  return String(error);
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}
