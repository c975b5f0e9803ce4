import { describe, expect, it } from 'vitest';
import type { SearchFields } from './search-query.js';
import { parseSearch } from './search-query.js';

interface Row {
  id: number;
  title: string;
  status: string;
  tags: string[];
  updatedAt: number;
}

const fields: SearchFields<Row> = {
  default: { kind: 'string', get: (r) => r.title },
  id: { kind: 'number', get: (r) => r.id },
  title: { kind: 'string', get: (r) => r.title },
  status: { kind: 'enum', get: (r) => r.status },
  tag: { kind: 'strings', get: (r) => r.tags },
  updated_at: { kind: 'date', get: (r) => r.updatedAt },
};

const rows: Row[] = [
  { id: 1, title: 'Red Mug', status: 'ACTIVE', tags: ['sale'], updatedAt: Date.parse('2024-01-01T00:00:00Z') },
  { id: 2, title: 'Blue Mug', status: 'DRAFT', tags: [], updatedAt: Date.parse('2024-01-02T00:00:00Z') },
  { id: 3, title: 'Red Cap', status: 'ARCHIVED', tags: ['sale', 'new'], updatedAt: Date.parse('2024-01-03T12:00:00Z') },
];

function ids(query: string, strictGreaterThan = false): number[] {
  const { matches } = parseSearch(query, fields, { strictGreaterThan });
  return rows.filter(matches).map((r) => r.id);
}

describe('search query parser', () => {
  it('combines terms with implicit AND, OR, NOT, negation and parentheses', () => {
    expect(ids('tag:sale status:active')).toEqual([1]);
    expect(ids('status:draft OR tag:new')).toEqual([2, 3]);
    expect(ids('-tag:sale')).toEqual([2]);
    expect(ids('NOT status:active')).toEqual([2, 3]);
    expect(ids('(status:draft OR status:archived) tag:new')).toEqual([3]);
    expect(ids('status:active,draft')).toEqual([1, 2]);
  });

  it('matches free text against the default field and prefixes with *', () => {
    expect(ids('red')).toEqual([1, 3]);
    expect(ids('title:Red*')).toEqual([1, 3]);
    expect(ids("title:'red mug'")).toEqual([1]);
  });

  it('compares numbers and dates with every comparator', () => {
    expect(ids('id:>1')).toEqual([2, 3]);
    expect(ids('id:<=2')).toEqual([1, 2]);
    expect(ids("updated_at:>'2024-01-02T00:00:00Z'")).toEqual([2, 3]);
    expect(ids("updated_at:>'2024-01-02T00:00:00Z'", true)).toEqual([3]);
    expect(ids('updated_at:>2024-01-02', true)).toEqual([3]);
    expect(ids('updated_at:2024-01-03')).toEqual([3]);
    expect(ids("updated_at:<='2024-01-02'")).toEqual([1, 2]);
  });

  it('warns about unknown fields and values it cannot read, and ignores those terms', () => {
    const parsed = parseSearch('colour:red updated_at:>yesterday status:active', fields, { strictGreaterThan: false });
    expect(rows.filter(parsed.matches).map((r) => r.id)).toEqual([1]);
    expect(parsed.warnings.map((w) => w.field)).toEqual(['colour', 'updated_at']);
  });
});
