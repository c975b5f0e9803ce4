// AES-256-GCM envelope for secrets at rest (connection credentials, webhook secrets).
// Format: "v1.<iv>.<tag>.<ciphertext>" in base64url. The associated data binds a ciphertext to the
// row it belongs to (e.g. "connection:<id>:credentials"), so copying it to another row fails.
// Secrets are always encrypted under the current key; they decrypt under it or under one of the
// previous keys, which is what lets a master key be rotated without a moment where stored secrets
// cannot be read (docs/security.md, "Rotating the master key").
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

export class SecretBox {
  readonly #key: Buffer;
  readonly #previous: Buffer[];

  constructor(key: Buffer, previous: readonly Buffer[] = []) {
    for (const k of [key, ...previous]) if (k.length !== 32) throw new Error('master key must be 32 bytes (AES-256)');
    this.#key = Buffer.from(key);
    this.#previous = previous.map((k) => Buffer.from(k));
  }

  /** Whether an envelope is already under the current key (false: a previous one, or none). */
  isCurrent(envelope: string, aad: string): boolean {
    try {
      this.#open(this.#key, envelope, aad);
      return true;
    } catch {
      return false;
    }
  }

  encrypt(plain: string, aad: string): string {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.#key, iv);
    cipher.setAAD(Buffer.from(aad, 'utf8'));
    const ct = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
    const tag = cipher.getAuthTag();
    return ['v1', iv.toString('base64url'), tag.toString('base64url'), ct.toString('base64url')].join('.');
  }

  decrypt(envelope: string, aad: string): string {
    let failure: unknown;
    for (const key of [this.#key, ...this.#previous]) {
      try {
        return this.#open(key, envelope, aad);
      } catch (err) {
        failure ??= err;
        if ((err as Error).message === 'unrecognised secret envelope') break;
      }
    }
    throw failure;
  }

  #open(key: Buffer, envelope: string, aad: string): string {
    const [version, iv, tag, ct] = envelope.split('.');
    if (version !== 'v1' || iv === undefined || tag === undefined || ct === undefined) {
      throw new Error('unrecognised secret envelope');
    }
    const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'base64url'));
    decipher.setAAD(Buffer.from(aad, 'utf8'));
    decipher.setAuthTag(Buffer.from(tag, 'base64url'));
    return Buffer.concat([decipher.update(Buffer.from(ct, 'base64url')), decipher.final()]).toString('utf8');
  }

  encryptJson(value: unknown, aad: string): string {
    return this.encrypt(JSON.stringify(value), aad);
  }

  decryptJson<T = unknown>(envelope: string, aad: string): T {
    return JSON.parse(this.decrypt(envelope, aad)) as T;
  }
}

/** Accepts a 32-byte key as 64 hex characters or base64/base64url; anything else is rejected. */
export function parseMasterKey(text: string): Buffer {
  const t = text.trim();
  if (/^[0-9a-fA-F]{64}$/.test(t)) return Buffer.from(t, 'hex');
  if (/^[A-Za-z0-9+/_-]{43}=?$/.test(t)) {
    const b = Buffer.from(t.replace(/-/g, '+').replace(/_/g, '/'), 'base64');
    if (b.length === 32) return b;
  }
  throw new Error('COMMERCE_SYNC_MASTER_KEY must be 32 bytes as 64 hex characters or base64');
}

export function generateMasterKey(): string {
  return randomBytes(32).toString('base64');
}
