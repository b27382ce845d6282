// Where vendor calls go. The page lists two hosts and a path `/app/{appid}/{prefix}/{startrtmp|stoprtmp}`
// whose prefix differs between its table (v1/recordoss) and its samples (v2/rtmpforward), so the
// prefix is configurable; an explicit base URL (emulator, proxy) may carry a path before `/app`.

export type Region = 'domestic' | 'international';

export const regionEndpoints: Readonly<Record<Region, string>> = {
  domestic: 'https://api.jocloud.com',
  international: 'https://api-oversea.jocloud.com',
};

export const DEFAULT_PATH_PREFIX = 'v2/rtmpforward';

export type VendorEndpointName = 'startrtmp' | 'stoprtmp';

/** An explicit endpoint wins over the region; the region defaults to domestic. */
export function resolveEndpoint(opts: { region?: Region; endpoint?: string }): string {
  if (opts.endpoint !== undefined && opts.endpoint !== '') return opts.endpoint;
  return regionEndpoints[opts.region ?? 'domestic'];
}

export interface VendorBase {
  /** `scheme://host[:port]`, the key of the connection pool. */
  readonly origin: string;
  /** Path before `/app`, without a trailing slash: '' or e.g. '/jocloud'. */
  readonly basePath: string;
}

export function parseBaseUrl(endpoint: string): VendorBase {
  let url: URL;
  try {
    url = new URL(endpoint);
  } catch {
    throw new TypeError(`vendor endpoint "${endpoint}" is not an absolute URL`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new TypeError(`vendor endpoint "${endpoint}" must be http or https`);
  }
  if (url.search !== '' || url.hash !== '' || url.username !== '' || url.password !== '') {
    throw new TypeError(`vendor endpoint "${url.origin}${url.pathname}" must not carry a query, fragment or user info`);
  }
  return { origin: url.origin, basePath: url.pathname.replace(/\/+$/, '') };
}

/** Trims slashes so `/v2/rtmpforward/`, `v2/rtmpforward` and the default are the same prefix. */
export function normalizePathPrefix(prefix: string | undefined): string {
  const trimmed = (prefix ?? DEFAULT_PATH_PREFIX).replace(/^\/+|\/+$/g, '');
  return trimmed === '' ? DEFAULT_PATH_PREFIX : trimmed;
}

export function vendorRequestPath(
  base: VendorBase,
  pathPrefix: string,
  appid: bigint,
  endpoint: VendorEndpointName,
  traceId: string,
): string {
  return `${base.basePath}/app/${appid.toString()}/${normalizePathPrefix(pathPrefix)}/${endpoint}?traceId=${encodeURIComponent(traceId)}`;
}
