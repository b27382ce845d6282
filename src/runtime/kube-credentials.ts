// What a request to the apiserver must carry, read from a KubeConfig through client-node's public
// applyToHTTPSOptions: the Authorization (and impersonation) headers, and the TLS material for the
// connection pool. Read again for every request, because credentials rotate: an exec plugin's
// token expires (client-node's ExecAuth caches it until then), a projected service-account token
// file is rewritten (FileAuth re-reads it every minute), and an exec plugin may hand out a new
// client certificate. The TLS part is compared by value so the pool is rebuilt only when it
// really changed.
import type { RequestOptions } from 'node:https';
import type { KubeConfig } from '@kubernetes/client-node';

/** TLS settings of the connections (undici's `connect` options). */
export interface TlsMaterial {
  readonly ca?: string | Buffer;
  readonly cert?: string | Buffer;
  readonly key?: string | Buffer;
  readonly pfx?: string | Buffer;
  readonly passphrase?: string;
  readonly servername?: string;
  readonly rejectUnauthorized?: boolean;
}

export interface Credentials {
  /** Lower-case header names. */
  readonly headers: Readonly<Record<string, string>>;
  readonly tls: TlsMaterial;
  /** Equal strings mean equal TLS material (the pool can stay). */
  readonly tlsFingerprint: string;
}

type Pem = string | Buffer | Array<string | Buffer> | undefined;

export async function readCredentials(kubeConfig: KubeConfig): Promise<Credentials> {
  const opts: RequestOptions = {};
  await kubeConfig.applyToHTTPSOptions(opts);
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(opts.headers ?? {})) {
    if (value !== undefined) headers[name.toLowerCase()] = Array.isArray(value) ? value.join(', ') : String(value);
  }
  if (opts.auth !== undefined && opts.auth !== null && headers['authorization'] === undefined) {
    headers['authorization'] = `Basic ${Buffer.from(opts.auth).toString('base64')}`;
  }
  const tls: { -readonly [K in keyof TlsMaterial]: TlsMaterial[K] } = {};
  const ca = single(opts.ca);
  const cert = single(opts.cert);
  const key = single(opts.key as Pem);
  const pfx = single(opts.pfx as Pem);
  if (ca !== undefined) tls.ca = ca;
  if (cert !== undefined) tls.cert = cert;
  if (key !== undefined) tls.key = key;
  if (pfx !== undefined) tls.pfx = pfx;
  if (opts.passphrase !== undefined) tls.passphrase = opts.passphrase;
  if (opts.servername !== undefined) tls.servername = opts.servername;
  if (opts.rejectUnauthorized !== undefined) tls.rejectUnauthorized = opts.rejectUnauthorized;
  return { headers, tls, tlsFingerprint: fingerprint(tls) };
}

function single(value: Pem): string | Buffer | undefined {
  if (value === undefined) return undefined;
  if (!Array.isArray(value)) return value;
  return value.map((v) => v.toString()).join('\n');
}

function fingerprint(tls: TlsMaterial): string {
  const text = (v: string | Buffer | undefined): string => (v === undefined ? '' : v.toString());
  return JSON.stringify([text(tls.ca), text(tls.cert), text(tls.key), text(tls.pfx), tls.passphrase ?? '', tls.servername ?? '', tls.rejectUnauthorized ?? null]);
}
