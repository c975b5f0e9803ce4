// Ids of rows the engine creates in bulk (hub records, links). They are UUIDs ordered by creation
// time (RFC 9562 version 7: 48 bits of Unix milliseconds, then random bits) rather than fully random
// (version 4): a random key lands on a random leaf page of every B-tree it is part of (primary key,
// the hub-id indexes of links and sync_log), so a page of new rows dirties hundreds of leaf pages
// spread over the whole index and the index grows by splits everywhere; time-ordered keys land next
// to the ones created just before them, at the right edge. They are still opaque, unique UUIDs.
import { randomUUID } from 'node:crypto';

/** A version 7 UUID: the current time in milliseconds, then 74 random bits. */
export function timeOrderedUuid(now: number = Date.now()): string {
  // Start from a random (v4) UUID, which already carries the RFC 9562 variant bits, and overwrite
  // the timestamp (first 12 hex digits) and the version digit.
  const random = randomUUID();
  const ms = now.toString(16).padStart(12, '0');
  return `${ms.slice(0, 8)}-${ms.slice(8, 12)}-7${random.slice(15)}`;
}
