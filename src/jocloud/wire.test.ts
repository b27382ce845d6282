import { describe, expect, it } from 'vitest';
import {
  badStartRequestCases,
  brokenRequest,
  cloneVendorSample,
  vendorSampleStartRequest,
  vendorSampleStopRequest,
  vendorSampleWarningPath,
  type LooseObject,
} from '../../test/fixtures/vendor-rules.js';
import {
  checkStartRtmpRequest,
  checkStopRtmpRequest,
  formatPath,
  formatProblem,
  pushStatusCallbackSchema,
  vendorResponseSchema,
} from './wire.js';

describe('checkStartRtmpRequest', () => {
  it("accepts the vendor's own sample, warning only that gop 3 is not a multiple of fps 24", () => {
    const r = checkStartRtmpRequest(vendorSampleStartRequest);
    expect(r.problems).toEqual([]);
    expect(r.ok).toBe(true);
    expect(r.warnings.map((w) => w.path)).toEqual([vendorSampleWarningPath]);
    expect(r.warnings[0]!.rule).toMatch(/multiple of videofps \(24\).*got 3/);
    expect(r.value).toEqual(vendorSampleStartRequest);
  });

  it('has a unique reason for every table case', () => {
    const reasons = badStartRequestCases.map((c) => c.reason);
    expect(new Set(reasons).size).toBe(reasons.length);
  });

  it.each(badStartRequestCases)('rejects: $reason ($path)', (c) => {
    const r = checkStartRtmpRequest(brokenRequest(c));
    expect(r.ok).toBe(false);
    // Each case breaks one rule, so every problem is about that one field (the emulator names
    // the first problem in its 2101 message).
    expect(r.problems.length).toBeGreaterThan(0);
    expect(r.problems.map((p) => p.path)).toEqual(r.problems.map(() => c.path));
    expect(r.problems[0]!.rule.length).toBeGreaterThan(5);
  });

  it.each([
    { reason: 'a source push with uid and no mixconfig', mutate: sourcePush },
    { reason: 'an audio-only mix may omit input positions', mutate: audioOnlyMixWithoutPositions },
    { reason: 'an audio input in a video mix may omit positions', mutate: audioInputWithoutPositions },
    { reason: 'templateid without input', mutate: templateWithoutInput },
    { reason: 'templateid together with input', mutate: (r: LooseObject) => ((r.mixconfig as LooseObject).templateid = 3) },
    { reason: 'five addresses, rtmp and rtmps', mutate: fiveAddresses },
    { reason: 'every optional output field, valid', mutate: everyOptionalOutputField },
    { reason: 'a cutout with all four fields', mutate: fullCutout },
    { reason: 'appid as a safe JS number (JSON.parse without the reviver)', mutate: (r: LooseObject) => (r.appid = 1470236061) },
    { reason: 'appid at the uint64 maximum', mutate: (r: LooseObject) => (r.appid = 18446744073709551615n) },
    { reason: 'an address exactly 256 bytes long', mutate: (r: LooseObject) => (r.rtmpurl = `rtmp://h/${'a'.repeat(256 - 9)}`) },
    { reason: 'base64seidata exactly 2048 bytes', mutate: (r: LooseObject) => (output(r).base64seidata = 'QUJD'.repeat(512)) },
  ])('accepts $reason', ({ mutate }) => {
    const req = cloneVendorSample();
    mutate(req);
    const r = checkStartRtmpRequest(req);
    expect(r.problems).toEqual([]);
    expect(r.ok).toBe(true);
  });

  it('keeps every digit of a uint64 appid', () => {
    const r = checkStartRtmpRequest({ ...cloneVendorSample(), appid: 18446744073709551615n });
    expect(r.value?.appid).toBe(18446744073709551615n);
  });

  it.each([
    { reason: 'a decimal string is not a JSON number', appid: '1470236061' },
    { reason: 'an imprecise JS number beyond 2^53', appid: 2 ** 64 },
    { reason: 'a fraction', appid: 1.5 },
  ])('rejects appid: $reason', ({ appid }) => {
    const r = checkStartRtmpRequest({ ...cloneVendorSample(), appid });
    expect(r.problems.map((p) => p.path)).toEqual(['appid']);
  });

  it.each([
    { reason: 'not a multiple of 8, with the value', mutate: (r: LooseObject) => (output(r).videowidth = 601), want: /^must be a multiple of 8 \(got 601\)$/ },
    { reason: 'open interval upper bound', mutate: (r: LooseObject) => (output(r).videobitrate = 10000), want: /^must be less than 10000 \(got 10000\)$/ },
    { reason: 'enum with meanings', mutate: (r: LooseObject) => (output(r).videoencode = 102), want: /100 \(H\.264\) or 101 \(H\.265\) \(got 102\)/ },
    { reason: 'a missing field', mutate: (r: LooseObject) => delete r.roomid, want: /^is required$/ },
    { reason: 'a number where YAML needs quotes', mutate: (r: LooseObject) => (r.roomid = 123), want: /must be a string \(got 123\) — quote it in YAML/ },
    { reason: 'required by the output type', mutate: (r: LooseObject) => delete output(r).videogop, want: /^is required for a video output \(output streamtype is 0 \(audio\/video\)\)$/ },
    { reason: 'a missing appid', mutate: (r: LooseObject) => delete r.appid, want: /^is required$/ },
    { reason: 'a byte limit in bytes', mutate: (r: LooseObject) => Object.assign(output(r), { patch: 3, patchUrl: `https://x/${'a'.repeat(300)}` }), want: /^must be at most 256 bytes \(got 310 bytes\)$/ },
    { reason: 'bytes, not characters', mutate: (r: LooseObject) => (r.rtmpurl = `rtmp://h/${'é'.repeat(200)}`), want: /address 1 of 1 must be at most 256 bytes \(got 409 bytes\)/ },
    { reason: 'which address is wrong', mutate: (r: LooseObject) => (r.rtmpurl = 'rtmp://a/x,ftp://b/y'), want: /^address 2 of 2 must be an rtmp:\/\/ or rtmps:\/\/ address/ },
  ])('explains the rule: $reason', ({ mutate, want }) => {
    const req = cloneVendorSample();
    mutate(req);
    const r = checkStartRtmpRequest(req);
    expect(r.problems[0]?.rule).toMatch(want);
  });

  it('never repeats an auth_key in a message', () => {
    const secret = 'f00dfeedcafe1234';
    const req = cloneVendorSample();
    req.rtmpurl = `rtmp://push.example.com/live/a?auth_key=${secret},http://push.example.com/live/b?auth_key=${secret}`;
    const r = checkStartRtmpRequest(req);
    expect(r.ok).toBe(false);
    expect(JSON.stringify(r.problems)).not.toContain(secret);
    expect(r.problems[0]!.rule).toContain('auth_key=REDACTED');
  });

  it('reports every problem at once when the types are right', () => {
    const req = cloneVendorSample();
    Object.assign(req.mixconfig.output, { videowidth: 801, videoheight: 0, audioencode: 7 });
    const r = checkStartRtmpRequest(req);
    expect(r.problems.map((p) => p.path).sort()).toEqual([
      'mixconfig.output.audioencode',
      'mixconfig.output.videoheight',
      'mixconfig.output.videowidth',
    ]);
  });
});

describe('warnings: allowed, but probably not meant', () => {
  it.each([
    { reason: 'videofps above 60 is lowered by the vendor', mutate: (r: LooseObject) => Object.assign(output(r), { videofps: 90, videogop: 90 }), path: 'mixconfig.output.videofps' },
    { reason: 'an input reaching past the right edge', mutate: (r: LooseObject) => (inputs(r)[1]!.pos_w = 500), path: 'mixconfig.input[1].pos_w' },
    { reason: 'an input reaching past the bottom edge', mutate: (r: LooseObject) => (inputs(r)[0]!.pos_h = 608), path: 'mixconfig.input[0].pos_h' },
    { reason: 'audiochannel other than the fixed 2', mutate: (r: LooseObject) => (output(r).audiochannel = 1), path: 'mixconfig.output.audiochannel' },
    { reason: 'audiosample other than the fixed 44100', mutate: (r: LooseObject) => (output(r).audiosample = 48000), path: 'mixconfig.output.audiosample' },
    { reason: 'patchUrl without patch 3', mutate: (r: LooseObject) => (output(r).patchUrl = 'https://img.example.com/p.png'), path: 'mixconfig.output.patchUrl' },
    {
      reason: 'background color and image together',
      mutate: (r: LooseObject) => (output(r).background = { color: '000000', image: { url: 'https://img.example.com/bg.png', scale: 0 } }),
      path: 'mixconfig.output.background.color',
    },
    {
      reason: 'an image watermark crossing the right edge',
      mutate: (r: LooseObject) => (output(r).watermark = { imageList: [{ x: 700, y: 10, width: 200, height: 40, url: 'https://i.example.com/l.png', scale: 1 }] }),
      path: 'mixconfig.output.watermark.imageList[0].width',
    },
    { reason: 'video fields on an audio-only output', mutate: (r: LooseObject) => (output(r).streamtype = 2), path: 'mixconfig.output.videoheight' },
    {
      reason: 'a template for a cross-room input',
      mutate: (r: LooseObject) => (((r.mixconfig as LooseObject).templateid = 1), (inputs(r)[1]!.roomid = '456')),
      path: 'mixconfig.input[1].roomid',
    },
    {
      reason: 'more users than the corner template shows',
      mutate: (r: LooseObject) => {
        (r.mixconfig as LooseObject).templateid = 4;
        (r.mixconfig as LooseObject).input = Array.from({ length: 6 }, (_, i) => ({ uid: `u${i}`, roomid: '123', streamtype: 2, layer: i }));
      },
      path: 'mixconfig.input',
    },
    { reason: 'mixconfig on a source push', mutate: (r: LooseObject) => (sourcePush(r), (r.mixconfig = vendorSampleStartRequest.mixconfig)), path: 'mixconfig' },
  ])('$reason', ({ mutate, path }) => {
    const req = cloneVendorSample();
    mutate(req);
    const r = checkStartRtmpRequest(req);
    expect(r.problems).toEqual([]);
    expect(r.warnings.map((w) => w.path)).toContain(path);
  });
});

describe('checkStopRtmpRequest', () => {
  it("accepts the vendor's sample", () => {
    expect(checkStopRtmpRequest(vendorSampleStopRequest)).toMatchObject({ ok: true, problems: [], warnings: [] });
  });
  it.each([
    { reason: 'mixed stop needs taskid', body: { appid: 1n, roomid: '1', streamtype: 1 }, path: 'taskid' },
    { reason: 'source stop needs uid', body: { appid: 1n, roomid: '1', streamtype: 2, taskid: 't' }, path: 'uid' },
    { reason: 'roomid is required', body: { appid: 1n, streamtype: 1, taskid: 't' }, path: 'roomid' },
    { reason: 'no rtmpurl on stop', body: { ...vendorSampleStopRequest, rtmpurl: 'rtmp://a/b' }, path: 'rtmpurl' },
  ])('rejects: $reason', ({ body, path }) => {
    const r = checkStopRtmpRequest(body);
    expect(r.ok).toBe(false);
    expect(r.problems.map((p) => p.path)).toEqual([path]);
  });
});

describe('what the vendor sends', () => {
  it('reads a response, tolerating extra and missing text fields', () => {
    expect(vendorResponseSchema.parse({ code: 0, message: 'success', traceId: 't', extra: 1 })).toEqual({ code: 0, message: 'success', traceId: 't' });
    expect(vendorResponseSchema.parse({ code: 2101 })).toEqual({ code: 2101, message: '', traceId: '' });
    expect(vendorResponseSchema.safeParse({ message: 'no code' }).success).toBe(false);
  });

  const callback = {
    url: 'rtmp://push.example.com/live/test?auth_key=x',
    appname: 'live',
    streamname: 'test',
    appid: 18446744073709551615n,
    roomid: '123',
    taskid: 'biz007',
    status: 3000,
    version: 18446744073709551615n,
    errcode: 0,
    description: 'ok',
  };
  it('reads a push-status callback with uint64 appid and version intact', () => {
    const parsed = pushStatusCallbackSchema.parse(callback);
    expect(parsed.appid).toBe(18446744073709551615n);
    expect(parsed.version).toBe(18446744073709551615n);
  });
  it.each([
    { reason: 'an unknown status', change: { status: 3004 } },
    { reason: 'no version', change: { version: undefined } },
    { reason: 'a negative errcode', change: { errcode: -1 } },
    { reason: 'no url', change: { url: undefined } },
  ])('rejects a callback with $reason', ({ change }) => {
    expect(pushStatusCallbackSchema.safeParse({ ...callback, ...change }).success).toBe(false);
  });
  it('defaults the taskid of a source push callback to empty', () => {
    const { taskid: _omit, ...withoutTaskid } = callback;
    expect(pushStatusCallbackSchema.parse(withoutTaskid).taskid).toBe('');
  });
});

describe('paths', () => {
  it.each([
    { segments: ['mixconfig', 'input', 1, 'pos_w'], prefix: '', want: 'mixconfig.input[1].pos_w' },
    { segments: ['rtmpurls', 0], prefix: 'spec', want: 'spec.rtmpurls[0]' },
    { segments: [], prefix: 'spec', want: 'spec' },
  ])('formats $want', ({ segments, prefix, want }) => {
    expect(formatPath(segments, prefix)).toBe(want);
  });
  it('formats a problem as path: rule', () => {
    expect(formatProblem({ path: 'a.b', rule: 'is required' })).toBe('a.b: is required');
    expect(formatProblem({ path: '', rule: 'must be an object' })).toBe('must be an object');
  });
});

function output(r: LooseObject): LooseObject {
  return (r.mixconfig as { output: LooseObject }).output;
}
function inputs(r: LooseObject): LooseObject[] {
  return (r.mixconfig as { input: LooseObject[] }).input;
}
function sourcePush(r: LooseObject): void {
  Object.assign(r, { streamtype: 2, uid: '111' });
  delete r.taskid;
  delete r.mixconfig;
}
function audioOnlyMixWithoutPositions(r: LooseObject): void {
  (r.mixconfig as LooseObject).output = { streamtype: 2, audiobitrate: 64, audiochannel: 2, audiosample: 44100, audioencode: 1 };
  for (const input of inputs(r)) for (const f of ['pos_x', 'pos_y', 'pos_w', 'pos_h']) delete input[f];
}
function audioInputWithoutPositions(r: LooseObject): void {
  const input = inputs(r)[1]!;
  input.streamtype = 2;
  for (const f of ['pos_x', 'pos_y', 'pos_w', 'pos_h']) delete input[f];
}
function templateWithoutInput(r: LooseObject): void {
  const mix = r.mixconfig as LooseObject;
  delete mix.input;
  mix.templateid = 1;
}
function fiveAddresses(r: LooseObject): void {
  r.rtmpurl = ['rtmp://a.example.com/live/1', 'rtmps://b.example.com:443/live/2?auth_key=1-0-0-abc', 'rtmp://c/3', 'rtmp://d/4', 'rtmp://e/5'].join(',');
}
function fullCutout(r: LooseObject): void {
  Object.assign(inputs(r)[0]!, { cutout_x: 0, cutout_y: 0, cutout_w: 320, cutout_h: 240, alpha: 0.5 });
}
function everyOptionalOutputField(r: LooseObject): void {
  Object.assign(output(r), {
    videogop: 48,
    patch: 3,
    patchUrl: 'https://img.example.com/patch.png',
    seilayout: 1,
    base64seidata: 'aGVsbG8=',
    watermark: {
      timestamp: { x: 10, y: 10, format: '%Y/%m/%d %H:%M:%S', font: 'NotoSansCJK', size: 20, color: 'FFFFFF', backgroundColor: '000000', alpha: 1 },
      textList: [{ x: 10, y: 40, content: '直播', size: 100, color: 'ff0000', alpha: 0 }],
      imageList: [{ x: 700, y: 10, width: 80, height: 40, url: 'https://img.example.com/logo.png', scale: 0, alpha: 0.8 }],
    },
    background: { image: { url: 'https://img.example.com/bg.png', scale: 1 } },
  });
}
