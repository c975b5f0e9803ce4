// The job queue (pg-boss) in the same database as the hub. On PGlite it runs through the store's
// executeSql adapter; on PostgreSQL it keeps a small pool of its own.
import PgBoss from 'pg-boss';
import type { Db } from '../store/db.js';

export interface QueueLogger {
  error(obj: unknown, msg?: string): void;
}

/** pg-boss's schema; the push outbox reads its job table (push-jobs.ts). */
export const QUEUE_SCHEMA = 'pgboss';

export async function startQueue(db: Db, logger: QueueLogger, opts: { supervise?: boolean } = {}): Promise<PgBoss> {
  const boss = new PgBoss({
    ...(db.bossOptions() as PgBoss.ConstructorOptions),
    schema: QUEUE_SCHEMA,
    // Maintenance and scheduling run in every process; pg-boss coordinates them through the database.
    supervise: opts.supervise ?? true,
    schedule: opts.supervise ?? true,
  });
  boss.on('error', (err) => logger.error({ err }, 'job queue error'));
  await boss.start();
  return boss;
}

/**
 * Creates a queue if it does not exist. Several processes starting together can deadlock inside
 * pg-boss's createQueue (PostgreSQL 40P01) or race on its unique key; both mean "try again".
 */
export async function ensureQueue(boss: PgBoss, name: string, options: Omit<PgBoss.Queue, 'name'> = {}, attempts = 8): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    if (await boss.getQueue(name)) return;
    try {
      await boss.createQueue(name, { name, ...options });
      return;
    } catch (err) {
      const code = (err as { code?: string }).code;
      if (attempt >= attempts || (code !== '40P01' && code !== '23505')) throw err;
      await new Promise((r) => setTimeout(r, 25 + Math.random() * 100 * attempt));
    }
  }
}
