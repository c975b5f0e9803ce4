// Money is a decimal string on the wire; arithmetic happens in integer cents so totals never drift.
export function toCents(amount: string): number {
  const [whole = '0', frac = ''] = amount.split('.');
  const sign = whole.startsWith('-') ? -1 : 1;
  return sign * (Math.abs(Number(whole)) * 100 + Number((frac + '00').slice(0, 2)));
}

export function fromCents(cents: number): string {
  const sign = cents < 0 ? '-' : '';
  const abs = Math.abs(Math.round(cents));
  return `${sign}${Math.floor(abs / 100)}.${String(abs % 100).padStart(2, '0')}`;
}

/** Normalises "12.5" / 12.5 to "12.50"; undefined for anything that is not a decimal amount. */
export function normaliseMoney(value: unknown): string | undefined {
  if (typeof value === 'number' && Number.isFinite(value)) return fromCents(Math.round(value * 100));
  if (typeof value === 'string' && /^-?\d+(\.\d+)?$/.test(value.trim())) return fromCents(toCents(value.trim()));
  return undefined;
}
