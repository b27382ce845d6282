// Small pieces shared by the runtime's Kubernetes callers: a raw authenticated GET (list and watch
// need the response stream and the real status code, which the generated clients hide), a way
// to give a generated-client call an AbortSignal, and status-code extraction from errors.
import {
  ApiException,
  HttpMethod,
  Observable,
  RequestContext,
  type ConfigurationOptions,
  type KubeConfig,
  type ResponseContext,
} from '@kubernetes/client-node';
import { fetch, type Response } from 'undici';

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

  /** Reads a failed response (a metav1.Status body when the apiserver produced it). */
  static async fromResponse(response: Response, what: string): Promise<KubeHttpError> {
    const text = await response.text().catch(() => '');
    const status = parseStatus(text);
    const message = status?.message ?? (text.slice(0, 200) || response.statusText);
    return new KubeHttpError(response.status, `${what}: HTTP ${response.status}: ${message}`, status?.reason);
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

/**
 * An authenticated GET of `path` (e.g. `/api/v1/namespaces/x/configmaps`) on the current
 * cluster, with the kubeconfig's credentials and TLS settings. The caller owns the response.
 */
export async function kubeGet(
  kubeConfig: KubeConfig,
  path: string,
  query: QueryParams,
  signal: AbortSignal,
): Promise<Response> {
  const cluster = kubeConfig.getCurrentCluster();
  if (cluster === null) throw new Error('kubeconfig has no current cluster');
  // Concatenate rather than resolve: a server URL may carry a path prefix (API proxies).
  const url = new URL(cluster.server.replace(/\/+$/, '') + path);
  for (const [key, value] of Object.entries(query)) {
    if (value !== undefined) url.searchParams.set(key, String(value));
  }
  const ctx = new RequestContext(url.toString(), HttpMethod.GET);
  await kubeConfig.applySecurityAuthentication(ctx);
  ctx.setHeaderParam('Accept', 'application/json');
  const dispatcher = ctx.getDispatcher();
  return fetch(url, {
    method: 'GET',
    headers: ctx.getHeaders(),
    ...(dispatcher !== undefined ? { dispatcher } : {}),
    signal,
  });
}

/** kubeGet that parses a JSON body and throws KubeHttpError on a non-2xx answer. */
export async function kubeGetJson(
  kubeConfig: KubeConfig,
  path: string,
  query: QueryParams,
  signal: AbortSignal,
): Promise<unknown> {
  const response = await kubeGet(kubeConfig, path, query, signal);
  if (!response.ok) throw await KubeHttpError.fromResponse(response, `GET ${path}`);
  return response.json();
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
