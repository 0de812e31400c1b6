import { describe, expect, it } from 'vitest';
import { canonicalJson } from '../../infra/fingerprint.js';

describe('canonicalJson', () => {
  it('writes the same text for objects whose keys come in another order, at any depth', () => {
    // Prepare
    const one = { b: 1, a: { d: [1, { y: 2, x: 1 }], c: 'c' } };
    const other = { a: { c: 'c', d: [1, { x: 1, y: 2 }] }, b: 1 };

    // Act
    const texts = [canonicalJson(one), canonicalJson(other)];

    // Assess
    expect(texts[0]).toBe(texts[1]);
    expect(texts[0]).toBe('{"a":{"c":"c","d":[1,{"x":1,"y":2}]},"b":1}');
  });

  it('keeps the order of arrays, which is meaningful', () => {
    expect(canonicalJson([1, 2])).not.toBe(canonicalJson([2, 1]));
  });

  it('parses back to the same value', () => {
    // Prepare
    const value = { s: 'quote " and \\ backslash', n: null, t: true, f: 1.5, e: [], o: {} };

    // Act
    const parsed = JSON.parse(canonicalJson(value)) as unknown;

    // Assess
    expect(parsed).toEqual(value);
  });
});
