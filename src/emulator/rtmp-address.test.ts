import { describe, expect, it } from 'vitest';
import { appAndStreamName, splitRtmpUrls } from './rtmp-address.js';

describe('appAndStreamName', () => {
  it.each([
    ['the vendor sample', 'rtmp://aliyunbiz.upstream.biz.com/live/test', 'live', 'test'],
    ['auth_key is not part of the stream name', 'rtmp://upstream.jocloud.com/live/test?auth_key=1585626386-0-0-8032e', 'live', 'test'],
    ['nested application', 'rtmp://h:1935/a/b/stream', 'a/b', 'stream'],
    ['application only', 'rtmp://h/live', 'live', ''],
    ['no path', 'rtmp://h', '', ''],
  ])('%s', (_reason, url, appname, streamname) => {
    expect(appAndStreamName(url)).toEqual({ appname, streamname });
  });
});

describe('splitRtmpUrls', () => {
  it.each([
    ['one address', 'rtmp://a/l/s', ['rtmp://a/l/s']],
    ['comma-joined, order kept', 'rtmp://b/l/s,rtmp://a/l/s', ['rtmp://b/l/s', 'rtmp://a/l/s']],
    ['spaces and empty parts dropped', ' rtmp://a/l/s , ,rtmp://b/l/s', ['rtmp://a/l/s', 'rtmp://b/l/s']],
    ['duplicates collapsed', 'rtmp://a/l/s,rtmp://a/l/s', ['rtmp://a/l/s']],
  ])('%s', (_reason, input, expected) => {
    expect(splitRtmpUrls(input)).toEqual(expected);
  });
});
