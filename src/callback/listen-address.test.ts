import { describe, expect, it } from 'vitest';
import { parseListenAddress } from './listen-address.js';

describe('parseListenAddress', () => {
  it.each<[string, string | undefined, number]>([
    [':8082', undefined, 8082],
    ['0.0.0.0:8082', '0.0.0.0', 8082],
    ['127.0.0.1:0', '127.0.0.1', 0],
    ['[::1]:9000', '::1', 9000],
    ['localhost:80', 'localhost', 80],
  ])('%s', (addr, host, port) => {
    expect(parseListenAddress(addr)).toEqual({ host, port });
  });

  it.each(['8082', 'localhost', ':', ':http', ':65536', ':-1', 'host:80x'])('rejects %s', (addr) => {
    expect(() => parseListenAddress(addr)).toThrow(/HOST:PORT/);
  });
});
