import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { findUnstorable, MAX_JSON_DEPTH, storableText } from './storable.js';

const nested = (depth: number): unknown => {
  let v: unknown = 'leaf';
  for (let i = 0; i < depth; i++) v = i % 2 ? [v] : { k: v };
  return v;
};

describe('findUnstorable', () => {
  it('names the first value PostgreSQL would refuse, with its path', () => {
    expect(findUnstorable({ name: 'ok', settings: { a: [1, 'x\u0000y'] } })).toEqual({ path: 'settings.a[1]', reason: expect.stringMatching(/NUL/) });
    expect(findUnstorable({ 'k\u0000': 1 })).toEqual({ path: '(root)', reason: expect.stringMatching(/key .*NUL/) });
    expect(findUnstorable(['\ud800'])).toEqual({ path: '[0]', reason: expect.stringMatching(/surrogate/) });
    expect(findUnstorable({ n: Infinity })).toEqual({ path: 'n', reason: expect.stringMatching(/too large/) });
    expect(findUnstorable(nested(MAX_JSON_DEPTH + 1))?.reason).toMatch(/nested deeper/);
    // Far deeper than any recursion could go: the walk itself must not overflow.
    expect(findUnstorable(nested(200_000))?.reason).toMatch(/nested deeper/);
  });

  it('passes ordinary values, surrogate pairs and the deepest allowed nesting', () => {
    for (const ok of [null, 0, -1.5, 1e20, 'plain', '😀 emoji', { a: [true, false, null] }, nested(MAX_JSON_DEPTH), Buffer.from([0, 0])]) {
      expect(findUnstorable(ok)).toBeNull();
    }
  });

  it('agrees with JSON.stringify + a NUL check for random JSON', () => {
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 5, stringUnit: 'binary' }), (v) => {
        const text = JSON.stringify(v);
        const expected = text.includes('\\u0000') || /\\ud[89ab][0-9a-f]{2}(?!\\ud[c-f])|(?<!\\ud[89ab][0-9a-f]{2})\\ud[c-f][0-9a-f]{2}/.test(text);
        expect(findUnstorable(v) !== null).toBe(expected);
      }),
      { numRuns: 200 },
    );
  });
});

describe('storableText', () => {
  it('escapes NULs and replaces unpaired surrogates, leaving everything else', () => {
    expect(storableText('a\u0000b\u0000')).toBe('a\\u0000b\\u0000');
    expect(storableText('x\ud800y\udc00z😀')).toBe('x\uFFFDy\uFFFDz😀');
    expect(findUnstorable(storableText('\u0000\ud800'))).toBeNull();
  });
});
