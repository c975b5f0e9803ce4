// `runs` and `dead-letters list|retry`: what the engine did and what it could not.
import { builtInConnectors } from '../../connectors/index.js';
import { OutboundPolicy } from '../../connectors/outbound.js';
import { listDeadLetters } from '../../engine/dead-letters.js';
import { Engine } from '../../engine/engine.js';
import { connectorRegistry } from '../../engine/registry.js';
import { listRuns } from '../../engine/runs.js';
import type { GlobalFlags } from '../main.js';
import { EXIT, printJson, printTable } from '../output.js';
import { openRuntime } from '../runtime.js';
import { resolveConnectionId } from './sync.js';
import { findTenant } from '../../store/tenants.js';
import { CliError } from '../output.js';

async function withEngine<T>(flags: GlobalFlags, fn: (engine: Engine) => Promise<T>): Promise<T> {
  const rt = await openRuntime(flags, { quiet: true });
  try {
    const outbound = new OutboundPolicy({ allowedHosts: rt.config.allowedHosts });
    return await fn(new Engine({ db: rt.db, box: rt.box, logger: rt.logger, registry: connectorRegistry(builtInConnectors()), outbound }));
  } finally {
    await rt.close();
  }
}

async function scope(engine: Engine, tenant: string, connection?: string): Promise<{ tenantId: string; connectionId?: string }> {
  if (connection) return resolveConnectionId(engine, tenant, connection);
  const t = await findTenant(engine.db, tenant);
  if (!t) throw new CliError(`no single tenant "${tenant}"`, EXIT.usage);
  return { tenantId: t.id };
}

export async function runsCommand(flags: GlobalFlags, opts: { tenant: string; connection?: string; limit: string; json?: boolean }): Promise<void> {
  await withEngine(flags, async (engine) => {
    const { tenantId, connectionId } = await scope(engine, opts.tenant, opts.connection);
    const page = await engine.db.withTenant(tenantId, (tx) => listRuns(tx, tenantId, { limit: Math.min(500, Number(opts.limit) || 20), connectionId }));
    if (opts.json) return printJson(page.items);
    printTable(
      page.items.map((r) => ({
        id: r.id,
        stream: r.stream,
        mode: r.mode,
        status: r.status,
        processed: r.progress.processed,
        added: r.counts.added,
        updated: r.counts.updated,
        dead: r.counts.deadLetters,
        error: r.error ? r.error.code : '',
        created: r.createdAt,
      })),
      ['id', 'stream', 'mode', 'status', 'processed', 'added', 'updated', 'dead', 'error', 'created'],
    );
  });
}

export async function deadLettersListCommand(flags: GlobalFlags, opts: { tenant: string; connection?: string; json?: boolean }): Promise<void> {
  await withEngine(flags, async (engine) => {
    const { tenantId, connectionId } = await scope(engine, opts.tenant, opts.connection);
    const page = await engine.db.withTenant(tenantId, (tx) => listDeadLetters(tx, tenantId, { limit: 500, status: 'open', connectionId }));
    if (opts.json) return printJson(page.items);
    printTable(
      page.items.map((d) => ({ id: d.id, kind: d.kind, stream: d.stream, externalId: d.externalId, attempts: d.attempts, reason: d.reason.slice(0, 80), created: d.createdAt })),
      ['id', 'kind', 'stream', 'externalId', 'attempts', 'reason', 'created'],
    );
  });
}

export async function deadLettersRetryCommand(flags: GlobalFlags, opts: { tenant: string; connection?: string; run?: string; json?: boolean }): Promise<void> {
  await withEngine(flags, async (engine) => {
    const { tenantId, connectionId } = await scope(engine, opts.tenant, opts.connection);
    const outcome = await engine.retryDeadLetters(tenantId, { connectionId, runId: opts.run });
    if (opts.json) printJson(outcome);
    else {
      process.stdout.write(`retried ${outcome.attempted}: ${outcome.resolved} resolved, ${outcome.failed.length} still failing\n`);
      for (const f of outcome.failed.slice(0, 20)) process.stdout.write(`  ${f.id}: ${f.reason}\n`);
    }
    process.exitCode = outcome.failed.length > 0 ? EXIT.partial : EXIT.ok;
  });
}
