// Seeds of the tests that draw something at random (the moment a crash test kills its worker): a run
// that fails must be repeatable, so the seed is printed with the test's output and taken from
// CS_TEST_SEED when that is set. One mechanism for every such test.
import { mulberry32 } from './test-source.js';

export const TEST_SEED_ENV = 'CS_TEST_SEED';

/** CS_TEST_SEED if set, else a fresh seed; either way printed under `label`. */
export function testSeed(label: string): number {
  const raw = process.env[TEST_SEED_ENV];
  const seed = raw === undefined || raw.trim() === '' ? Date.now() % 100_000 : Number(raw);
  if (!Number.isSafeInteger(seed) || seed < 0) throw new Error(`${TEST_SEED_ENV} must be a non-negative integer, got "${raw}"`);
  console.log(`${label}: seed ${seed} (set ${TEST_SEED_ENV}=${seed} to repeat)`);
  return seed;
}

/** A seeded random source in [0, 1), with the seed it was drawn from (printed, see testSeed). */
export function seededRandom(label: string): { seed: number; random: () => number } {
  const seed = testSeed(label);
  return { seed, random: mulberry32(seed) };
}
