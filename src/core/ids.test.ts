import { describe, expect, it } from 'vitest';
import { timeOrderedUuid } from './ids.js';

describe('timeOrderedUuid', () => {
  it('is an RFC 9562 version 7 UUID carrying the time in milliseconds', () => {
    const at = Date.UTC(2026, 0, 2, 3, 4, 5, 678);
    const id = timeOrderedUuid(at);
    expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(parseInt(id.slice(0, 8) + id.slice(9, 13), 16)).toBe(at);
  });

  it('sorts by creation time and never repeats', () => {
    const ids = [timeOrderedUuid(1_000), timeOrderedUuid(2_000), timeOrderedUuid(3_000)];
    expect([...ids].sort()).toEqual(ids);
    const many = new Set(Array.from({ length: 10_000 }, () => timeOrderedUuid(5_000)));
    expect(many.size).toBe(10_000);
  });
});
