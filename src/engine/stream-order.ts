// Orders the requested streams so every stream runs after the streams it depends on
// (customers and products before orders). Dependencies not requested are not added.
export function orderStreams(all: { name: string; dependsOn: string[] }[], requested: string[]): string[] {
  const wanted = new Set(requested);
  const byName = new Map(all.map((s) => [s.name, s]));
  const out: string[] = [];
  const state = new Map<string, 'visiting' | 'done'>();
  const visit = (name: string) => {
    if (state.get(name) === 'done') return;
    if (state.get(name) === 'visiting') throw new Error(`stream dependencies form a cycle at ${name}`);
    state.set(name, 'visiting');
    for (const dep of byName.get(name)?.dependsOn ?? []) if (wanted.has(dep)) visit(dep);
    state.set(name, 'done');
    out.push(name);
  };
  for (const name of requested) visit(name);
  return out;
}
