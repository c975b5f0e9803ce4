// The WooCommerce benchmarks' shared parts: the sandbox in a child process of its own
// (woocommerce-sandbox-process.ts), its host's figures, and an engine with one WooCommerce connection
// to it in a given database.
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { wooConnector } from '../src/connectors/woocommerce/index.js';
import { generateMasterKey, parseMasterKey, SecretBox } from '../src/core/secret-box.js';
import { Engine } from '../src/engine/engine.js';
import { connectorRegistry } from '../src/engine/registry.js';
import type { RunRow } from '../src/engine/runs.js';
import { DEFAULT_KEY } from '../src/sandbox/woocommerce/options.js';
import { createLogger } from '../src/server/logger.js';
import { insertConnection } from '../src/store/connections.js';
import type { Db } from '../src/store/db.js';
import { createTenant } from '../src/store/tenants.js';
import { SANDBOX_OUTBOUND } from '../test/helpers/outbound.js';

const PROCESS = fileURLToPath(new URL('./woocommerce-sandbox-process.ts', import.meta.url));

export interface WooSandboxProcess {
  /** Where clients send requests: the host in front of the store when it has a limit, else the store. */
  url: string;
  /** The store's home URL, which OAuth 1.0a signatures are built from. */
  siteUrl: string;
  stop(): void;
}

export async function startWooSandboxProcess(env: Record<string, string>): Promise<WooSandboxProcess> {
  const proc = spawn(process.execPath, ['--import', 'tsx', PROCESS], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'inherit'] });
  const line = await new Promise<string>((resolve, reject) => {
    createInterface({ input: proc.stdout! }).once('line', resolve);
    proc.once('exit', (c) => reject(new Error(`WooCommerce sandbox exited with ${c}`)));
  });
  const { url, siteUrl } = JSON.parse(line) as { url: string; siteUrl: string };
  return { url, siteUrl, stop: () => proc.kill('SIGTERM') };
}

export interface HostStats { admitted: number; refused: number; inFlight: number; maxInFlight: number }

export const hostStats = async (url: string): Promise<HostStats> => (await (await fetch(`${url}/_host/stats`)).json()) as HostStats;
export const resetHost = async (url: string): Promise<void> => void (await fetch(`${url}/_host/reset`, { method: 'POST' }));

/** Basic auth of the sandbox's default key (the sandbox accepts it over http, for clients other than the engine). */
export const BASIC_AUTH = `Basic ${Buffer.from(`${DEFAULT_KEY.consumerKey}:${DEFAULT_KEY.consumerSecret}`).toString('base64')}`;

export interface WooEngine {
  engine: Engine;
  tenantId: string;
  connectionId: string;
  /** Creates the runs of one full pass of `streams`: setup, not timed. */
  triggerFull(streams: string[]): Promise<void>;
  /** Executes the stream's run to its end; throws unless it succeeded. */
  execute(stream: string): Promise<RunRow>;
  /** Live hub products reached through the connection's links. */
  hubProducts(): Promise<number>;
  stop(): Promise<void>;
}

/** A tenant with one WooCommerce connection to the sandbox, and an engine that pulls from it. */
export async function wireWooEngine(db: Db, sb: WooSandboxProcess, tenantName: string): Promise<WooEngine> {
  const box = new SecretBox(parseMasterKey(generateMasterKey()));
  const { tenant } = await db.transaction((tx) => createTenant(tx, tenantName));
  const conn = await db.withTenant(tenant.id, (tx) =>
    insertConnection(tx, box, {
      tenantId: tenant.id, platform: 'woocommerce', name: 'bench-woo',
      settings: { siteUrl: sb.siteUrl, ...(sb.url !== sb.siteUrl ? { baseUrl: sb.url } : {}) },
      credentials: { consumerKey: DEFAULT_KEY.consumerKey, consumerSecret: DEFAULT_KEY.consumerSecret },
    }),
  );
  const engine = new Engine({
    db, box, logger: createLogger({ level: process.env.BENCH_LOG_LEVEL ?? 'silent' }), registry: connectorRegistry([wooConnector]),
    // Generous: a noisy shared machine must not turn a slow page into retries that skew the figure.
    http: { timeoutMs: 30_000 }, outbound: SANDBOX_OUTBOUND,
  });
  const runs = new Map<string, string>();
  return {
    engine, tenantId: tenant.id, connectionId: conn.id,
    async triggerFull(streams) {
      const { created } = await engine.trigger({ tenantId: tenant.id, connectionId: conn.id, streams, mode: 'full', trigger: 'cli', force: true });
      for (const r of created) runs.set(r.stream, r.id);
    },
    async execute(stream) {
      const id = runs.get(stream);
      if (!id) throw new Error(`no run was created for ${stream}`);
      const row = await engine.execute(tenant.id, id);
      if (row?.status !== 'succeeded') throw new Error(`${stream} run ended ${row?.status}: ${JSON.stringify(row?.error)}`);
      return row;
    },
    async hubProducts() {
      const { rows } = await db.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM links l JOIN products p ON p.id = l.hub_id
          WHERE l.connection_id = $1 AND l.entity = 'product' AND l.deleted_at IS NULL AND p.deleted_at IS NULL`, [conn.id]);
      return rows[0]?.n ?? 0;
    },
    stop: () => engine.stop(),
  };
}
