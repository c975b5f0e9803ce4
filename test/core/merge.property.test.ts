// Property-based test of core/merge.ts against a reference model written here, separately: the model
// keeps every edit it has been given and recomputes the answer from that history, with its own writer
// tables and its own order of edits, where the merge keeps only field_meta. Random edits from hub,
// shopify, woocommerce, jtl-ffn and emag to random fields at random clocks (ties, the window boundary,
// offsets other than Z) are delivered in random orders with duplicates. Seed: CS_TEST_SEED (printed),
// else a fixed one.
//
// An edit is (field, origin, instant, semantic value); it is a writer's edit when the model's table lets
// its origin write the field (an owner of an owned field, a writer of a shared one), else a fill. Edits
// are ordered by (instant, hub first on a tie, origin name, canonical JSON of the value). The model's
// current edit of a field, for a set of delivered edits: the greatest writer's edit; if there is none,
// the greatest fill (non-writers fill a field no writer has set, the last of them wins); if there are
// no edits, no value. The hub starts empty or as a legacy row: values without field_meta, which count
// as fills older than any edit (kept by the model under the origin "(no meta)", expected with no meta).
// What is asserted:
//  (a) Convergence. After EVERY delivery, the hub state is the model's for the edits delivered so far:
//      per field, the value (compared semantically: "19.9" == "19.90") and field_meta {origin, at} of
//      the current edit, and no key at all for a field with neither edits nor a legacy value. So the final
//      state depends only on the SET of edits delivered, never on their order or repetition: three
//      schedules of the same edits (one without, two with redeliveries) end on the same field_meta.
//  (b) Ownership, at every delivery of a change from origin o, tracked directly from its definition (a
//      field is "writer-set" once a change from one of its writers has been delivered with it):
//      - refused = exactly the sent fields that o may not write AND that were writer-set before this
//        delivery; every other sent field is in exactly one of applied / unchanged / stale (a fill is
//        taken, until a writer has set the field);
//      - a refused field is untouched (its data key, value and meta are as before) and in no conflict;
//      - an applied field's meta is {o, the change's instant};
//      - after the delivery, every writer-set field's meta names a writer of it (with (a): its value is
//        that of the greatest writer's edit, so a fill never displaces a writer's value).
//  (c) Conflicts. A collision is an unordered pair of distinct WRITERS' edits {h, e} of one field, from
//      different origins, with different values, at most windowMs apart, where h is the field's current
//      writer's edit (the greatest writer's edit delivered so far) when e is delivered - whether e then
//      wins (applied) or loses (stale). Fills never collide: a fill yields silently to a writer's edit,
//      whatever the clocks, and a non-writer's change after a writer's edit is refused. The merge only
//      knows the current edit, so this is the strongest definition it can meet: which pairs meet depends
//      on the delivery order once three writers' edits are close together, but a colliding pair meets
//      only once unless one of its edits is redelivered. Asserted: the merge's conflicts, as pairs, are exactly the model's
//      collisions, each pair reported as one collision however many times it is met; every conflict
//      has writers of the field on both sides and the incoming origin as remote; a redelivered losing
//      writer's edit meets the current edit again and is reported again (the merge cannot tell it from
//      a first late delivery), so the raw count equals the model's count of meetings, and equals the
//      number of collisions when no writer's edit is given twice. Two further properties check the
//      two-writer case and the fill-then-writer case in every delivery order.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type FieldConflict, type HubProductState, type IncomingChange, merge, type MergeResult } from '../../src/core/merge.js';
import { resolveOwnership, type Ownership } from '../../src/core/ownership.js';

const SEED = Number(process.env.CS_TEST_SEED ?? 20250301);
if (!Number.isSafeInteger(SEED)) throw new Error(`CS_TEST_SEED must be an integer, got ${process.env.CS_TEST_SEED}`);
console.log(`merge.property: seed ${SEED} (set CS_TEST_SEED to replay)`);
const RUNS = { seed: SEED, numRuns: 300 };

const WINDOW_MS = 5 * 60_000;
const T0 = Date.parse('2025-03-01T10:00:00Z');
type TestOrigin = 'hub' | 'shopify' | 'woocommerce' | 'jtl-ffn' | 'emag';
const TEST_ORIGINS: TestOrigin[] = ['hub', 'shopify', 'woocommerce', 'jtl-ffn', 'emag'];
const FIELDS = ['price', 'tags', 'weight', 'storageLocation', 'name', 'isActive'] as const;
type F = (typeof FIELDS)[number];

// ---------------------------------------------------------------------------------------------------------
// The model's own tables (written out, not read from core/ownership.ts).

interface ModelRule { owned: boolean; writers: readonly string[] }
const MODEL_DEFAULT: Record<F, ModelRule> = {
  price: { owned: true, writers: ['hub', 'shopify', 'woocommerce'] },
  tags: { owned: true, writers: ['hub', 'shopify', 'woocommerce'] },
  weight: { owned: true, writers: ['hub', 'jtl-ffn'] },
  storageLocation: { owned: true, writers: ['hub'] },
  name: { owned: false, writers: ['hub', 'shopify', 'woocommerce', 'jtl-ffn'] },
  isActive: { owned: false, writers: ['hub', 'shopify', 'woocommerce'] },
};
const VARIANTS: { overrides: unknown; model: Record<F, ModelRule> }[] = [
  { overrides: undefined, model: MODEL_DEFAULT },
  { overrides: { price: { mode: 'owned', owners: ['shopify', 'emag'] } }, model: { ...MODEL_DEFAULT, price: { owned: true, writers: ['hub', 'shopify', 'emag'] } } },
  { overrides: { name: { mode: 'shared', writers: ['emag', 'shopify'] } }, model: { ...MODEL_DEFAULT, name: { owned: false, writers: ['hub', 'shopify', 'emag'] } } },
];
const OWNERSHIPS: Ownership[] = VARIANTS.map((v) => {
  const r = resolveOwnership(v.overrides);
  if (!r.ok) throw new Error(r.issues.join('; '));
  return r.ownership;
});

/** Semantic value as canonical JSON text, for the generated domain only. */
const MONEY: Record<string, string> = { '19.9': '19.9', '19.90': '19.9', '019.9': '19.9', '20': '20', '20.00': '20', '0': '0' };
function sem(field: F, raw: unknown): string {
  if (raw === null) return 'null';
  switch (field) {
    case 'price':
      return JSON.stringify(MONEY[raw as string]);
    case 'tags':
      return JSON.stringify([...new Set((raw as string[]).map((t) => t.trim()))].sort());
    case 'weight': {
      const w = raw as { value: number; unit: string };
      return JSON.stringify({ unit: w.unit, value: w.value });
    }
    case 'isActive':
      return JSON.stringify(raw);
    default:
      return JSON.stringify((raw as string).trim());
  }
}

const valueArb: Record<F, fc.Arbitrary<unknown>> = {
  price: fc.constantFrom(...Object.keys(MONEY), null),
  tags: fc.oneof(fc.array(fc.constantFrom('a', 'b', ' b ', 'c'), { maxLength: 3 }), fc.constant(null)),
  // Both key orders: objects compare by content.
  weight: fc.constantFrom({ value: 100, unit: 'g' }, { unit: 'g', value: 100 }, { value: 250, unit: 'g' }, { value: 100, unit: 'kg' }),
  storageLocation: fc.constantFrom('A1', ' A1', 'B2', null),
  name: fc.constantFrom('Mug', ' Mug', 'Cup', 'Cup ', '', null),
  isActive: fc.constantFrom(true, false, null),
};

// ---------------------------------------------------------------------------------------------------------
// Generated edits and schedules.

interface GenChange { origin: TestOrigin; ms: number; offset: 0 | 1 | 2; fields: Partial<Record<F, unknown>> }
/** The same instant written with Z, +00:00 or +02:00: the merge must compare instants, not strings. */
function isoAt(ms: number, offset: 0 | 1 | 2): string {
  const z = new Date(ms).toISOString();
  if (offset === 0) return z;
  if (offset === 1) return z.replace('Z', '+00:00');
  return `${new Date(ms + 2 * 3_600_000).toISOString().slice(0, -1)}+02:00`;
}
const toIncoming = (c: GenChange): IncomingChange => ({ origin: c.origin, at: isoAt(c.ms, c.offset), fields: c.fields });

const changeArb: fc.Arbitrary<GenChange> = fc.record({
  origin: fc.constantFrom(...TEST_ORIGINS),
  // Whole and half minutes over 0..15 min: ties, the window boundary (exactly 5 min) and far-apart edits.
  ms: fc.integer({ min: 0, max: 30 }).map((half) => T0 + half * 30_000),
  offset: fc.constantFrom(0 as const, 1 as const, 2 as const),
  fields: fc.record(valueArb, { requiredKeys: [] }) as fc.Arbitrary<Partial<Record<F, unknown>>>,
});

/** A delivery order of every change (a permutation) with redeliveries inserted anywhere. */
function scheduleArb(n: number, maxDuplicates: number): fc.Arbitrary<number[]> {
  return fc
    .tuple(fc.array(fc.double({ noNaN: true }), { minLength: n, maxLength: n }), fc.array(fc.tuple(fc.nat(), fc.nat()), { maxLength: maxDuplicates }))
    .map(([keys, dups]) => {
      const order = keys.map((k, i) => [k, i] as const).sort((a, b) => a[0] - b[0] || a[1] - b[1]).map(([, i]) => i);
      for (const [which, where] of dups) order.splice(where % (order.length + 1), 0, which % n);
      return order;
    });
}

// ---------------------------------------------------------------------------------------------------------
// The reference model.

interface Edit { field: F; origin: string; ms: number; sem: string; writer: boolean }
/** A value the hub holds without field_meta (a legacy row): set by no writer, older than any edit. */
const LEGACY = '(no meta)';
const legacyEdit = (field: F, raw: unknown): Edit => ({ field, origin: LEGACY, ms: -Infinity, sem: sem(field, raw), writer: false });
const editId = (e: Edit) => `${e.field}|${e.origin}|${e.origin === LEGACY ? '-' : new Date(e.ms).toISOString()}|${e.sem}`;
const pairId = (a: Edit, b: Edit) => [editId(a), editId(b)].sort().join(' <> ');
const cmp = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
function later(a: Edit, b: Edit): number {
  if (a.ms !== b.ms) return a.ms - b.ms;
  if (a.origin !== b.origin) return a.origin === 'hub' ? 1 : b.origin === 'hub' ? -1 : cmp(a.origin, b.origin);
  return cmp(a.sem, b.sem);
}
const greatest = (edits: Edit[]) => edits.reduce<Edit | undefined>((m, e) => (m === undefined || later(e, m) > 0 ? e : m), undefined);
/** The edit the hub holds: the greatest writer's edit; until there is one, the greatest fill. */
const currentEdit = (edits: Edit[]) => greatest(edits.filter((e) => e.writer)) ?? greatest(edits);

interface ModelStep { refused: F[]; taken: F[]; state: Partial<Record<F, Edit>> }
interface ModelResult { steps: ModelStep[]; collisions: Set<string>; meetings: number; writerRedeliveries: number }
function model(changes: GenChange[], schedule: number[], rules: Record<F, ModelRule>, legacy: Legacy): ModelResult {
  const history = new Map<F, Edit[]>(FIELDS.filter((f) => Object.hasOwn(legacy, f)).map((f) => [f, [legacyEdit(f, legacy[f])]]));
  const steps: ModelStep[] = [];
  const collisions = new Set<string>();
  let meetings = 0;
  let writerRedeliveries = 0; // a writer's edit given again: a duplicate delivery, or two changes carrying it
  for (const i of schedule) {
    const c = changes[i]!;
    const step: ModelStep = { refused: [], taken: [], state: {} };
    for (const field of FIELDS) {
      if (c.fields[field] === undefined) continue;
      const e: Edit = { field, origin: c.origin, ms: c.ms, sem: sem(field, c.fields[field]), writer: rules[field].writers.includes(c.origin) };
      const seen = history.get(field) ?? [];
      const h = greatest(seen.filter((s) => s.writer));
      (!e.writer && h ? step.refused : step.taken).push(field);
      if (e.writer && h && h.origin !== e.origin && h.sem !== e.sem && Math.abs(h.ms - e.ms) <= WINDOW_MS) {
        meetings++;
        collisions.add(pairId(h, e));
      }
      // A refused fill is kept too: it changes nothing, a writer's edit outranks every fill for good.
      if (!seen.some((s) => editId(s) === editId(e))) seen.push(e);
      else if (e.writer) writerRedeliveries++;
      history.set(field, seen);
    }
    for (const f of FIELDS) {
      const cur = currentEdit(history.get(f) ?? []);
      if (cur) step.state[f] = cur;
    }
    steps.push(step);
  }
  return { steps, collisions, meetings, writerRedeliveries };
}

// ---------------------------------------------------------------------------------------------------------
// Running the merge, and the per-step checks of (a) and (b).

interface Step { change: GenChange; before: HubProductState | null; result: MergeResult }
type Legacy = Partial<Record<F, unknown>>;
function runMerge(changes: GenChange[], schedule: number[], variant: number, legacy: Legacy = {}): Step[] {
  let state: HubProductState | null = Object.keys(legacy).length ? { data: structuredClone(legacy), fieldMeta: {} } : null;
  return schedule.map((i) => {
    const before = state;
    const result = merge(state, toIncoming(changes[i]!), OWNERSHIPS[variant]!, { windowMs: WINDOW_MS });
    state = result.state;
    return { change: changes[i]!, before, result };
  });
}
const final = (steps: Step[]) => steps.at(-1)?.result.state ?? null;
const conflictsOf = (steps: Step[]) => steps.flatMap((s) => s.result.conflicts);
const fieldOf = (s: HubProductState | null, f: F) => ({ has: Object.hasOwn(s?.data ?? {}, f), value: s?.data[f], meta: s?.fieldMeta[f] });

/** (a): the state is the model's current edit, field by field. */
function expectModelState(state: HubProductState | null, want: Partial<Record<F, Edit>>): void {
  for (const f of FIELDS) {
    const e = want[f];
    const got = fieldOf(state, f);
    if (!e) {
      expect(got, f).toEqual({ has: false, value: undefined, meta: undefined });
      continue;
    }
    expect(got.has, f).toBe(true);
    expect(sem(f, got.value), f).toBe(e.sem);
    expect(got.meta, f).toEqual(e.origin === LEGACY ? undefined : { origin: e.origin, at: new Date(e.ms).toISOString() });
  }
}

/** (a) and (b) at every step; the conflicts' own invariants of (c). */
function expectSteps(steps: Step[], m: ModelResult, rules: Record<F, ModelRule>): void {
  const writerSet = new Set<F>(); // fields a writer's change has been delivered with (tracked here, not by the model)
  steps.forEach(({ change: c, before, result: r }, k) => {
    const sent = FIELDS.filter((f) => c.fields[f] !== undefined);
    const writes = (f: F, origin: string) => rules[f].writers.includes(origin);
    expect(r.refused).toEqual(sent.filter((f) => !writes(f, c.origin) && writerSet.has(f)));
    expect(r.refused).toEqual(m.steps[k]!.refused);
    expect([...r.applied, ...r.unchanged, ...r.stale].sort()).toEqual(sent.filter((f) => !r.refused.includes(f)).sort());
    for (const f of r.refused as F[]) expect(fieldOf(r.state, f), f).toEqual(fieldOf(before, f));
    for (const f of r.applied) expect(r.state.fieldMeta[f]).toEqual({ origin: c.origin, at: new Date(c.ms).toISOString() });
    for (const x of r.conflicts) {
      expect(r.refused).not.toContain(x.field);
      expect(x.remote.origin).toBe(c.origin);
      expect(x.local.origin).not.toBe(x.remote.origin);
      expect(rules[x.field as F].writers).toEqual(expect.arrayContaining([x.local.origin, x.remote.origin]));
      expect(Math.abs(Date.parse(x.local.at) - Date.parse(x.remote.at))).toBeLessThanOrEqual(WINDOW_MS);
    }
    for (const f of sent) if (writes(f, c.origin)) writerSet.add(f);
    for (const f of writerSet) expect(rules[f].writers, f).toContain(r.state.fieldMeta[f]?.origin);
    expectModelState(r.state, m.steps[k]!.state);
  });
}

function conflictPair(k: FieldConflict): string {
  const side = (s: FieldConflict['local']): Edit => ({ field: k.field as F, origin: s.origin, ms: Date.parse(s.at), sem: sem(k.field as F, s.value), writer: true });
  return pairId(side(k.local), side(k.remote));
}

describe('merge (property-based, against a reference model)', () => {
  it('converges on the model state at every step, keeps ownership and reports each collision as the model does', () => {
    // The hub starts empty, or (one run in three) as a legacy row: some values without field_meta.
    const legacyArb = fc.oneof(fc.constant({}), fc.constant({}), fc.record(valueArb, { requiredKeys: [] }) as fc.Arbitrary<Legacy>);
    const scenario = fc
      .tuple(fc.array(changeArb, { minLength: 1, maxLength: 8 }), fc.integer({ min: 0, max: VARIANTS.length - 1 }), legacyArb)
      .chain(([changes, variant, legacy]) =>
        fc.tuple(fc.constant(changes), fc.constant(variant), fc.constant(legacy), scheduleArb(changes.length, 0), scheduleArb(changes.length, 6), scheduleArb(changes.length, 6)),
      );
    fc.assert(
      fc.property(scenario, ([changes, variant, legacy, plain, dupA, dupB]) => {
        const rules = VARIANTS[variant]!.model;
        const runs = [plain, dupA, dupB].map((schedule) => ({ schedule, steps: runMerge(changes, schedule, variant, legacy) }));
        for (const { schedule, steps } of runs) {
          const m = model(changes, schedule, rules, legacy);
          expectSteps(steps, m, rules);
          const conflicts = conflictsOf(steps);
          expect(new Set(conflicts.map(conflictPair))).toEqual(m.collisions);
          expect(conflicts).toHaveLength(m.meetings);
          // No writer's edit given twice: every collision is reported exactly once.
          if (m.writerRedeliveries === 0) expect(conflicts).toHaveLength(m.collisions.size);
        }
        // Same edits, any order and repetition: the same field_meta everywhere.
        expect(final(runs[1]!.steps)?.fieldMeta).toEqual(final(runs[0]!.steps)?.fieldMeta);
        expect(final(runs[2]!.steps)?.fieldMeta).toEqual(final(runs[0]!.steps)?.fieldMeta);
      }),
      RUNS,
    );
  });

  it('reports two colliding edits of a field as exactly one conflict in every delivery order; the later wins', () => {
    const writers = MODEL_DEFAULT.name.writers as TestOrigin[];
    const pair = fc
      .tuple(fc.constantFrom(...writers), fc.constantFrom(...writers), fc.integer({ min: 0, max: WINDOW_MS }), fc.constantFrom('Mug', 'Cup', ''), fc.constantFrom('Tea', 'Jar'))
      .filter(([a, b]) => a !== b)
      .map(([a, b, gap, va, vb]): GenChange[] => [
        { origin: a, ms: T0, offset: 0, fields: { name: va } },
        { origin: b, ms: T0 + gap, offset: 1, fields: { name: vb } },
      ]);
    fc.assert(
      fc.property(pair.chain((changes) => fc.tuple(fc.constant(changes), scheduleArb(2, 4))), ([changes, schedule]) => {
        const steps = runMerge(changes, schedule, 0);
        const conflicts = conflictsOf(steps);
        expect(new Set(conflicts.map(conflictPair)).size).toBe(1);
        const [first, second] = changes as [GenChange, GenChange];
        const stamp = (c: GenChange): Edit => ({ field: 'name', origin: c.origin, ms: c.ms, sem: '', writer: true });
        const winner = later(stamp(second), stamp(first)) > 0 ? second : first;
        expect(final(steps)?.data.name).toBe(winner.fields.name);
        expect(conflicts.every((k) => (k.winner === 'remote' ? k.remote : k.local).origin === winner.origin)).toBe(true);
      }),
      RUNS,
    );
  });

  it("lets non-writers fill a price until a writer's edit replaces it whatever the clocks, never with a conflict", () => {
    const at = fc.integer({ min: 0, max: 30 }).map((half) => T0 + half * 30_000);
    const price = fc.constantFrom(...Object.keys(MONEY));
    const fill = fc.record({ origin: fc.constantFrom('emag' as const, 'jtl-ffn' as const), ms: at, offset: fc.constant(0 as const), fields: fc.record({ price }) });
    const writer = fc.record({ origin: fc.constantFrom('hub' as const, 'shopify' as const, 'woocommerce' as const), ms: at, offset: fc.constant(2 as const), fields: fc.record({ price }) });
    const scenario = fc
      .tuple(writer, fc.array(fill, { minLength: 1, maxLength: 3 }))
      .map(([w, fills]): GenChange[] => [w, ...fills])
      .chain((changes) => fc.tuple(fc.constant(changes), scheduleArb(changes.length, 4)));
    fc.assert(
      fc.property(scenario, ([changes, schedule]) => {
        const steps = runMerge(changes, schedule, 0);
        const w = changes[0]!;
        const firstWriter = schedule.indexOf(0);
        steps.forEach(({ change: c, result: r }, k) => {
          expect(r.conflicts).toEqual([]);
          expect(r.refused).toEqual(c !== w && k > firstWriter ? ['price'] : []);
          const delivered = schedule.slice(0, k + 1).map((i) => changes[i]!);
          const holder = k >= firstWriter ? w : delivered.reduce((a, b) => (later(stamp(b), stamp(a)) > 0 ? b : a));
          expect(r.state.fieldMeta.price).toEqual({ origin: holder.origin, at: new Date(holder.ms).toISOString() });
          expect(sem('price', r.state.data.price)).toBe(sem('price', holder.fields.price));
        });
      }),
      RUNS,
    );
    function stamp(c: GenChange): Edit {
      return { field: 'price', origin: c.origin, ms: c.ms, sem: sem('price', c.fields.price), writer: false };
    }
  });
});
