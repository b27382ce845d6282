import { describe, expect, it } from 'vitest';
import { isEverything, LabelSelectorError, matchesLabels, parseLabelSelector, type LabelRequirement } from './label-selector.js';

describe('parseLabelSelector', () => {
  it.each<[string, LabelRequirement[]]>([
    ['', []],
    ['   ', []],
    ['tier=trusted', [{ key: 'tier', op: 'in', values: ['trusted'] }]],
    ['tier==trusted', [{ key: 'tier', op: 'in', values: ['trusted'] }]],
    ['tier!=sandbox', [{ key: 'tier', op: 'notin', values: ['sandbox'] }]],
    ['tier=', [{ key: 'tier', op: 'in', values: [''] }]],
    ['tier', [{ key: 'tier', op: 'exists' }]],
    ['!tier', [{ key: 'tier', op: 'doesNotExist' }]],
    ['env in (prod, staging)', [{ key: 'env', op: 'in', values: ['prod', 'staging'] }]],
    ['env notin (dev)', [{ key: 'env', op: 'notin', values: ['dev'] }]],
    ['env in (a,,b)', [{ key: 'env', op: 'in', values: ['a', '', 'b'] }]],
    ['env in (a,)', [{ key: 'env', op: 'in', values: ['a', ''] }]],
    ['env in (a,a)', [{ key: 'env', op: 'in', values: ['a'] }]],
    [
      'kubernetes.io/metadata.name in (team-a,team-b)',
      [{ key: 'kubernetes.io/metadata.name', op: 'in', values: ['team-a', 'team-b'] }],
    ],
    [
      ' a = 1 , !b , c notin ( x ) , d ',
      [
        { key: 'a', op: 'in', values: ['1'] },
        { key: 'b', op: 'doesNotExist' },
        { key: 'c', op: 'notin', values: ['x'] },
        { key: 'd', op: 'exists' },
      ],
    ],
  ])('%j', (source, requirements) => {
    const selector = parseLabelSelector(source);
    expect(selector.requirements).toEqual(requirements);
    expect(selector.source).toBe(source);
  });

  it.each([
    ['a,', /label key.*end/],
    [',a', /label key.*","/],
    ['a b', /expected =, ==, !=, in or notin/],
    ['a=b c', /expected ","/],
    ['a in ()', /at least one value/],
    ['a in (b', /"," or "\)"/],
    ['a in b', /"\(" after in\/notin/],
    ['a notin', /"\(" after in\/notin/],
    ['!a=b', /expected ","/],
    ['!', /label key after "!"/],
    ['a>1', /numeric comparisons are not supported/],
    ['a<1', /numeric comparisons/],
    ['a=(b)', /expected a label value/],
    ['-a=b', /label key "-a"/],
    ['Example.COM/a=b', /prefix must be a DNS subdomain/],
    [`${'k'.repeat(64)}=v`, /name must be 1-63/],
    [`k=${'v'.repeat(64)}`, /label value/],
    ['k=v-', /label value "v-"/],
    ['/k', /prefix/],
  ])('rejects %j', (source, message) => {
    expect(() => parseLabelSelector(source)).toThrow(LabelSelectorError);
    expect(() => parseLabelSelector(source)).toThrow(message);
  });
});

describe('matchesLabels', () => {
  const labels = { tier: 'trusted', env: 'prod', empty: '' };
  it.each([
    ['', labels, true],
    ['', {}, true],
    ['tier=trusted', labels, true],
    ['tier=sandbox', labels, false],
    ['tier=trusted', {}, false],
    ['tier!=sandbox', labels, true],
    ['tier!=trusted', labels, false],
    // Kubernetes: != and notin also select objects that lack the label.
    ['tier!=trusted', {}, true],
    ['env notin (dev)', {}, true],
    ['env notin (dev,prod)', labels, false],
    ['env in (dev,prod)', labels, true],
    ['env in (dev)', labels, false],
    ['tier', labels, true],
    ['tier', {}, false],
    ['!tier', labels, false],
    ['!tier', {}, true],
    ['empty=', labels, true],
    ['empty', labels, true],
    ['tier=', labels, false],
    ['tier=', {}, false],
    ['tier=trusted,env=prod', labels, true],
    ['tier=trusted,env=dev', labels, false],
  ])('%j on %j -> %s', (source, given, expected) => {
    expect(matchesLabels(parseLabelSelector(source), given)).toBe(expected);
  });

  it('does not treat inherited object properties as labels', () => {
    expect(matchesLabels(parseLabelSelector('constructor'), {})).toBe(false);
    expect(matchesLabels(parseLabelSelector('!toString'), {})).toBe(true);
  });

  it('isEverything only for the empty selector', () => {
    expect(isEverything(parseLabelSelector(' '))).toBe(true);
    expect(isEverything(parseLabelSelector('a'))).toBe(false);
  });
});
