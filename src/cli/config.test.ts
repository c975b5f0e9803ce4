import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from './config.js';

describe('loadConfig', () => {
  const dir = mkdtempSync(join(tmpdir(), 'cs-config-'));
  const file = join(dir, 'commerce-sync.config.json');
  writeFileSync(file, JSON.stringify({ port: 4000, logLevel: 'debug', dataDir: '/from/file' }));

  it('uses defaults when nothing is set', () => {
    expect(loadConfig({}, {}, join(dir, 'missing.json'))).toEqual({ dataDir: './.commerce-sync', host: '127.0.0.1', port: 3000, logLevel: 'info', allowedHosts: [], previousMasterKeys: [] });
  });

  it('reads previous master keys as a comma-separated variable', () => {
    expect(loadConfig({}, { COMMERCE_SYNC_PREVIOUS_MASTER_KEYS: ' aaa, bbb ,' }, join(dir, 'missing.json')).previousMasterKeys).toEqual(['aaa', 'bbb']);
  });

  it('applies flags > environment > file > defaults', () => {
    const c = loadConfig({ port: '5000' }, { PORT: '4500', LOG_LEVEL: 'warn' }, file);
    expect(c.port).toBe(5000);
    expect(c.logLevel).toBe('warn');
    expect(c.dataDir).toBe('/from/file');
    expect(loadConfig({}, { PORT: '4500' }, file).port).toBe(4500);
    expect(loadConfig({}, {}, file).port).toBe(4000);
  });

  it('treats empty values as unset', () => {
    expect(loadConfig({ databaseUrl: '' }, { DATABASE_URL: '' }, join(dir, 'missing.json')).databaseUrl).toBeUndefined();
  });

  it('names the setting and its variable on bad input', () => {
    const load = () => loadConfig({}, { PORT: 'x', DATABASE_URL: 'mysql://nope' }, join(dir, 'missing.json'));
    expect(load).toThrow(/port \(PORT\): must be a port number/);
    expect(load).toThrow(/databaseUrl \(DATABASE_URL\): must be a postgres/);
    const bad = join(dir, 'bad.json');
    writeFileSync(bad, '{not json');
    expect(() => loadConfig({}, {}, bad)).toThrow(ConfigError);
    writeFileSync(bad, JSON.stringify({ prot: 1 }));
    expect(() => loadConfig({}, {}, bad)).toThrow(/prot|unrecognized/i);
  });

  it('reads the outbound host allow-list as a comma-separated variable or a list in the file', () => {
    const missing = join(dir, 'missing.json');
    expect(loadConfig({}, { COMMERCE_SYNC_ALLOWED_HOSTS: ' 127.0.0.1, Sandbox.Local:4020 ,[::1]:8080,' }, missing).allowedHosts).toEqual(['127.0.0.1', 'sandbox.local:4020', '[::1]:8080']);
    const listed = join(dir, 'hosts.json');
    writeFileSync(listed, JSON.stringify({ allowedHosts: ['staging.example.com', 'localhost:9000'] }));
    expect(loadConfig({}, {}, listed).allowedHosts).toEqual(['staging.example.com', 'localhost:9000']);
    expect(() => loadConfig({}, { COMMERCE_SYNC_ALLOWED_HOSTS: 'http://127.0.0.1:4020' }, missing)).toThrow(/allowedHosts \(COMMERCE_SYNC_ALLOWED_HOSTS\): "http:\/\/127.0.0.1:4020" is not a host name/);
    expect(() => loadConfig({}, { COMMERCE_SYNC_ALLOWED_HOSTS: 'localhost:99999' }, missing)).toThrow(/localhost:99999/);
  });
});
