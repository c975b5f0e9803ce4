import { describe, expect, it } from 'vitest';
import { generateMasterKey, parseMasterKey, SecretBox } from './secret-box.js';

describe('SecretBox', () => {
  const box = new SecretBox(parseMasterKey(generateMasterKey()));

  it('round-trips and never contains the plain text', () => {
    const env = box.encryptJson({ accessToken: 'shpat_supersecret' }, 'connection:1:credentials');
    expect(env).not.toContain('supersecret');
    expect(box.decryptJson(env, 'connection:1:credentials')).toEqual({ accessToken: 'shpat_supersecret' });
  });

  it('refuses a ciphertext moved to another row (associated data) or tampered with', () => {
    const env = box.encrypt('secret', 'connection:1:credentials');
    expect(() => box.decrypt(env, 'connection:2:credentials')).toThrow();
    const parts = env.split('.');
    parts[3] = Buffer.from('tampered').toString('base64url');
    expect(() => box.decrypt(parts.join('.'), 'connection:1:credentials')).toThrow();
  });

  it('refuses another key', () => {
    const other = new SecretBox(parseMasterKey(generateMasterKey()));
    expect(() => other.decrypt(box.encrypt('x', 'a'), 'a')).toThrow();
  });

  it('with previous keys: reads secrets written under them, writes under the current key only', () => {
    const oldKey = parseMasterKey(generateMasterKey());
    const newKey = parseMasterKey(generateMasterKey());
    const written = new SecretBox(oldKey).encrypt('secret', 'connection:1:credentials');
    const ring = new SecretBox(newKey, [oldKey]);
    expect(ring.decrypt(written, 'connection:1:credentials')).toBe('secret');
    expect(ring.isCurrent(written, 'connection:1:credentials')).toBe(false);
    const again = ring.encrypt('secret', 'connection:1:credentials');
    expect(ring.isCurrent(again, 'connection:1:credentials')).toBe(true);
    expect(new SecretBox(newKey).decrypt(again, 'connection:1:credentials')).toBe('secret');
    expect(() => new SecretBox(oldKey).decrypt(again, 'connection:1:credentials')).toThrow();
    // The associated data still binds under every key of the ring.
    expect(() => ring.decrypt(written, 'connection:2:credentials')).toThrow();
  });

  it('parses hex and base64 keys and rejects short ones', () => {
    expect(parseMasterKey('ab'.repeat(32)).length).toBe(32);
    expect(parseMasterKey(Buffer.alloc(32, 7).toString('base64')).length).toBe(32);
    expect(() => parseMasterKey('too-short')).toThrow(/32 bytes/);
  });
});
