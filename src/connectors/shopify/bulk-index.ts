// A compact index of a bulk JSONL file: where each parent line is, and where each parent's child
// lines are (`__parentId`), wherever in the file they stand. Built in one streaming pass and kept in
// typed arrays — a few dozen bytes per line, no per-line strings or objects — so a 100k-order export
// with its lines costs a few megabytes, not a copy of the file.
import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';

class GrowableLines {
  off = new Float64Array(1024);
  len = new Uint32Array(1024);
  next = new Int32Array(1024);
  count = 0;

  push(offset: number, length: number): number {
    if (this.count === this.off.length) {
      const grow = <T extends Float64Array | Uint32Array | Int32Array>(a: T): T => {
        const b = new (a.constructor as new (n: number) => T)(a.length * 2);
        b.set(a);
        return b;
      };
      this.off = grow(this.off);
      this.len = grow(this.len);
      this.next = grow(this.next);
    }
    this.off[this.count] = offset;
    this.len[this.count] = length;
    this.next[this.count] = -1;
    return this.count++;
  }
}

const PARENT_KEY = Buffer.from('"__parentId"');
const QUOTE = 0x22;

/** The numeric id at the end of a GID (`gid://shopify/Order/123` -> 123); the GID itself when not numeric. */
export function gidKey(gid: string): number | string {
  const m = /\/(\d+)(?:\?.*)?$/.exec(gid);
  return m ? Number(m[1]) : gid;
}

export class BulkIndex {
  readonly parents = new GrowableLines();
  private readonly children = new GrowableLines();
  /** parent key -> [first child, last child] line numbers in `children`. */
  private readonly chain = new Map<number | string, [number, number]>();

  constructor(readonly file: string) {}

  get parentCount(): number {
    return this.parents.count;
  }

  private add(line: Buffer, at: number): void {
    if (line.length === 0) return;
    const k = line.indexOf(PARENT_KEY);
    if (k < 0) {
      this.parents.push(at, line.length);
      return;
    }
    // The value is the next quoted string after the key (`"__parentId":"gid://..."`, spaces allowed).
    const open = line.indexOf(QUOTE, k + PARENT_KEY.length);
    const close = open < 0 ? -1 : line.indexOf(QUOTE, open + 1);
    if (open < 0 || close < 0) {
      this.parents.push(at, line.length);
      return;
    }
    const key = gidKey(line.toString('latin1', open + 1, close));
    const i = this.children.push(at, line.length);
    const c = this.chain.get(key);
    if (c) {
      this.children.next[c[1]] = i;
      c[1] = i;
    } else this.chain.set(key, [i, i]);
  }

  static async build(file: string): Promise<BulkIndex> {
    const idx = new BulkIndex(file);
    let offset = 0;
    let carry = Buffer.alloc(0);
    for await (const chunk of createReadStream(file, { highWaterMark: 1 << 20 })) {
      const buf = carry.length ? Buffer.concat([carry, chunk as Buffer]) : (chunk as Buffer);
      let start = 0;
      for (let nl = buf.indexOf(10, start); nl >= 0; nl = buf.indexOf(10, start)) {
        idx.add(buf.subarray(start, nl), offset + start);
        start = nl + 1;
      }
      offset += start;
      carry = Buffer.from(buf.subarray(start));
    }
    idx.add(carry, offset);
    return idx;
  }

  /**
   * Parents [from, to) with their children attached as GraphQL-shaped connections ({nodes}) at the path
   * `childPath` gives for the child's type (a connection may sit inside an object of the parent, e.g. a
   * variant's `inventoryItem.inventoryLevels`).
   */
  async readParents<N>(from: number, to: number, childPath: (childGid: string) => string[]): Promise<N[]> {
    const fh = await open(this.file, 'r');
    const read = async (off: number, len: number) => {
      const buf = Buffer.alloc(len);
      await fh.read(buf, 0, len, off);
      return JSON.parse(buf.toString('utf8')) as Record<string, unknown>;
    };
    try {
      const items: N[] = [];
      for (let p = from; p < to; p++) {
        const parent = await read(this.parents.off[p]!, this.parents.len[p]!);
        const c = this.chain.get(gidKey(String(parent.id)));
        for (let i = c ? c[0] : -1; i >= 0; i = this.children.next[i]!) {
          const child = await read(this.children.off[i]!, this.children.len[i]!);
          delete child.__parentId;
          const path = childPath(String(child.id));
          let holder = parent;
          for (const step of path.slice(0, -1)) holder = (holder[step] ??= {}) as Record<string, unknown>;
          const conn = (holder[path[path.length - 1]!] ??= { nodes: [] }) as { nodes: unknown[] };
          conn.nodes.push(child);
        }
        items.push(parent as N);
      }
      return items;
    } finally {
      await fh.close();
    }
  }
}
