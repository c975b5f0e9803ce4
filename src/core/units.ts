// Weights and lengths in one unit: the merge compares measures in kg and metres (1250 g == 1.25 kg), and
// JTL-FFN takes them in exactly those units. Rounded to a micro-unit, beyond any platform's precision, so
// float noise from the conversion is no difference.
export const TO_KG: Readonly<Record<string, number>> = { g: 0.001, kg: 1, lb: 0.45359237, oz: 0.028349523125 };
export const TO_M: Readonly<Record<string, number>> = { mm: 0.001, cm: 0.01, m: 1, in: 0.0254 };
export const micro = (n: number): number => Math.round(n * 1e6) / 1e6;

/** A weight in kg; undefined for a unit it does not know. */
export const kilograms = (value: number, unit: string): number | undefined => (TO_KG[unit] === undefined ? undefined : micro(value * TO_KG[unit]));
/** A length in metres; undefined for a unit it does not know. */
export const metres = (value: number, unit: string): number | undefined => (TO_M[unit] === undefined ? undefined : micro(value * TO_M[unit]));
