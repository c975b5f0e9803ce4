import { describe, expect, it, vi } from 'vitest';
import { InFlight } from './in-flight.js';

describe('InFlight', () => {
  it('runs concurrent calls with one key once and gives them all its result', async () => {
    const flights = new InFlight<number>();
    let calls = 0;
    let release!: (v: number) => void;
    const work = () => {
      calls++;
      return new Promise<number>((r) => (release = r));
    };
    const all = Promise.all([flights.run('a', work), flights.run('a', work), flights.run('a', work)]);
    const other = flights.run('b', async () => 7);
    expect(flights.size).toBe(2);
    release(42);
    expect(await all).toEqual([42, 42, 42]);
    expect(await other).toBe(7);
    expect(calls).toBe(1);
  });

  it('keeps nothing once the work settles, failures included', async () => {
    const flights = new InFlight<number>();
    await expect(flights.run('k', async () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    expect(flights.size).toBe(0);
    let calls = 0;
    await flights.run('k', async () => ++calls);
    await flights.run('k', async () => ++calls);
    expect(calls).toBe(2);
  });
});

describe('InFlight with gather', () => {
  it('starts the work after this turn, so calls made meanwhile join it instead of starting it again', async () => {
    const flights = new InFlight<number>({ gather: true });
    let calls = 0;
    const work = async () => ++calls;
    const first = flights.run('k', work);
    expect(calls).toBe(0); // not started yet
    // Pending callbacks of this turn run (without gather the work would have finished by now).
    for (let i = 0; i < 5; i++) await Promise.resolve();
    const second = flights.run('k', work);
    expect(await Promise.all([first, second])).toEqual([1, 1]);
    expect(calls).toBe(1);
  });

  it('keeps gathering while calls go on arriving turn after turn, then runs once for all of them', async () => {
    const flights = new InFlight<number>({ gather: true, gatherMaxMs: 1000 });
    let calls = 0;
    const work = async () => ++calls;
    // Two calls in the first turn, then one in each of the next three turns (as requests of a burst
    // read off the network would be).
    const joined = [flights.run('k', work), flights.run('k', work)];
    for (let i = 0; i < 3; i++) {
      await new Promise((r) => setImmediate(r));
      joined.push(flights.run('k', work));
    }
    expect(calls).toBe(0);
    expect(await Promise.all(joined)).toEqual([1, 1, 1, 1, 1]);
    expect(calls).toBe(1);
  });

  it('does not wait past gatherMaxMs however many calls keep arriving', async () => {
    // The cap is a duration, so the clock it reads is a fake one: each turn below costs exactly the
    // milliseconds the test says, however loaded the machine is.
    vi.useFakeTimers({ toFake: ['performance'] });
    try {
      const flights = new InFlight<number>({ gather: true, gatherMaxMs: 20 });
      const t0 = performance.now();
      let startedAfterMs: number | undefined;
      const first = flights.run('k', async () => {
        startedAfterMs = performance.now() - t0;
        return 1;
      });
      let joined = 1;
      // A call in every turn; `msPerTurn` of fake time passes per turn.
      const turn = async (msPerTurn: number) => {
        joined++;
        void flights.run('k', async () => 0);
        vi.advanceTimersByTime(msPerTurn);
        await new Promise((r) => setImmediate(r));
      };
      // While no time passes, calls arriving turn after turn keep it gathering: turns alone never end it.
      for (let i = 0; i < 50; i++) await turn(0);
      expect(startedAfterMs).toBeUndefined();
      // Time passing with calls still arriving: the work starts once the cap is reached, not before.
      for (let i = 0; i < 100 && startedAfterMs === undefined; i++) await turn(1);
      expect(await first).toBe(1);
      expect(startedAfterMs).toBeGreaterThanOrEqual(20);
      expect(startedAfterMs).toBeLessThanOrEqual(21);
      expect(joined).toBeGreaterThan(50 + 19);
    } finally {
      vi.useRealTimers();
    }
  });

  it('starts a lone call after one turn', async () => {
    const flights = new InFlight<number>({ gather: true, gatherMaxMs: 1000 });
    let calls = 0;
    const first = flights.run('k', async () => ++calls);
    await new Promise((r) => setImmediate(r));
    // The turn passed with nobody joining: the work has started, and a call now starts another.
    const second = flights.run('k', async () => ++calls);
    expect(await Promise.all([first, second])).toEqual([1, 2]);
  });
});
