// `HOST:PORT` as the operator's --*-addr flags take it (Go style, like controller-runtime's):
// `:8082` listens on every interface, `127.0.0.1:0` on loopback with a free port,
// `[::1]:8082` on IPv6 loopback.

export interface ListenAddress {
  /** Undefined: every interface. */
  readonly host: string | undefined;
  readonly port: number;
}

export function parseListenAddress(addr: string): ListenAddress {
  const colon = addr.lastIndexOf(':');
  const portText = colon < 0 ? '' : addr.slice(colon + 1);
  const port = Number(portText);
  if (colon < 0 || !/^[0-9]+$/.test(portText) || port > 65535) {
    throw new Error(`expected HOST:PORT (e.g. :8082 or 127.0.0.1:0), got "${addr}"`);
  }
  let host = addr.slice(0, colon);
  if (host.startsWith('[') && host.endsWith(']')) host = host.slice(1, -1);
  return { host: host === '' ? undefined : host, port };
}
