// Ids: their one canonical spelling, lossless parsing of platform ids, and new row ids.
//
// Ids of rows the engine creates in bulk (hub records, links). They are UUIDs ordered by creation
// time (RFC 9562 version 7: 48 bits of Unix milliseconds, then random bits) rather than fully random
// (version 4): a random key lands on a random leaf page of every B-tree it is part of (primary key,
// the hub-id indexes of links and sync_log), so a page of new rows dirties hundreds of leaf pages
// spread over the whole index and the index grows by splits everywhere; time-ordered keys land next
// to the ones created just before them, at the right edge. They are still opaque, unique UUIDs.
import { randomUUID } from 'node:crypto';
import { parse as parseLossless } from 'lossless-json';

/** A version 7 UUID: the current time in milliseconds, then 74 random bits. */
export function timeOrderedUuid(now: number = Date.now()): string {
  // Start from a random (v4) UUID, which already carries the RFC 9562 variant bits, and overwrite
  // the timestamp (first 12 hex digits) and the version digit.
  const random = randomUUID();
  const ms = now.toString(16).padStart(12, '0');
  return `${ms.slice(0, 8)}-${ms.slice(8, 12)}-7${random.slice(15)}`;
}

/** A UUID in either letter case, as a client may send it. */
export const UUID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * The one spelling of a UUID used inside the system (lower case), or null when `value` is not a UUID.
 * PostgreSQL takes a uuid in either case and always answers in lower case, but strings built from an
 * id do not: the associated data that binds a stored secret to its connection is one of them, so an
 * id spelled in upper case once made secrets that could never be decrypted again. Ids are therefore
 * made canonical where they come in (API parameters and bodies, webhook URLs, cursors).
 */
export function canonicalUuid(value: string): string | null {
  return UUID_PATTERN.test(value) ? value.toLowerCase() : null;
}

/**
 * JSON.parse for platform payloads whose ids are integers beyond 2^53 (Shopify's REST ids are
 * 64-bit: 788032119674292922 becomes 788032119674292900 as a JavaScript number). Such integers are
 * kept as their digit strings, so an id survives digit for digit into a GID or an external id;
 * every other value is what JSON.parse gives, including the last of duplicate keys. A parse that
 * JSON.parse would refuse throws a SyntaxError; one nested too deep for the parser throws too.
 */
export function parseJsonKeepingIds(text: string): unknown {
  return parseLossless(text, null, {
    parseNumber: (literal) => {
      const n = Number(literal);
      return INTEGER_LITERAL.test(literal) && !Number.isSafeInteger(n) ? literal : n;
    },
    onDuplicateKey: ({ newValue }) => newValue,
  });
}

const INTEGER_LITERAL = /^-?\d+$/;
