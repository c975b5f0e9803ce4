import { describe, expect, it } from 'vitest';
import { isDatabaseUnavailable } from './unavailable.js';

const coded = (code: string, message = 'x') => Object.assign(new Error(message), { code });

describe('isDatabaseUnavailable', () => {
  it.each(['08000', '08001', '08003', '08006', '53000', '53100', '53200', '53300', '57P01', '57P02', '57P03'])('SQLSTATE %s is an outage', (code) => {
    expect(isDatabaseUnavailable(coded(code))).toBe(true);
  });

  it.each(['22P02', '23505', '40001', '40P01', '42P01', '54001', '57014', 'XX000'])('SQLSTATE %s is not', (code) => {
    expect(isDatabaseUnavailable(coded(code))).toBe(false);
  });

  it.each(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOSPC'])('%s is an outage', (code) => {
    expect(isDatabaseUnavailable(coded(code))).toBe(true);
  });

  it('knows the driver errors without a code', () => {
    expect(isDatabaseUnavailable(new Error('timeout exceeded when trying to connect'))).toBe(true);
    expect(isDatabaseUnavailable(new Error('Connection terminated unexpectedly'))).toBe(true);
    expect(isDatabaseUnavailable(new Error('Client has encountered a connection error and is not queryable'))).toBe(true);
    expect(isDatabaseUnavailable(new Error('PGlite is closed'))).toBe(true);
    expect(isDatabaseUnavailable(new Error('something else'))).toBe(false);
  });

  it('takes an AggregateError when each of its errors is an outage', () => {
    const refused = new AggregateError([coded('ECONNREFUSED'), coded('ECONNREFUSED')], '');
    expect(isDatabaseUnavailable(refused)).toBe(true);
    expect(isDatabaseUnavailable(new AggregateError([coded('ECONNREFUSED'), coded('42P01')], ''))).toBe(false);
  });

  it('is false for non-errors', () => {
    for (const v of [null, undefined, 'ECONNREFUSED', 53300, {}]) expect(isDatabaseUnavailable(v)).toBe(false);
  });
});
