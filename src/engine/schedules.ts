// Scheduled pulls. One cluster-wide tick (a pg-boss cron job, so exactly one worker runs it each
// minute however many there are) triggers every scheduled stream whose last attempt is older than
// its connection's interval. Triggers go through the engine as automatic ones, so single-flight
// applies: a stream still running is not started twice. The same tick then checks the webhook
// subscriptions that are due (webhook-health.ts), so no second timer polls the platforms.
import type { Engine, TriggerResult } from './engine.js';
import type { SyncSchedule } from '../store/connections.js';
import { checkDueWebhookHealth } from './webhook-health.js';

export const SCHEDULE_QUEUE = 'sync-schedule-tick';

export interface ScheduleTickResult {
  connection: string;
  created: number;
  active: number;
  throttled: number;
  error?: string;
}

export async function runDueSchedules(engine: Engine): Promise<ScheduleTickResult[]> {
  // System query across tenants; each trigger below runs in its tenant's scope. Which streams are due
  // is decided per stream by the trigger's throttle (the schedule's interval since the last attempt).
  const { rows } = await engine.db.query<{ id: string; tenant_id: string; schedule: SyncSchedule }>(
    `SELECT id, tenant_id, schedule FROM connections WHERE schedule IS NOT NULL AND status = 'active' ORDER BY id`,
  );
  const results: ScheduleTickResult[] = [];
  for (const c of rows) {
    try {
      const r: TriggerResult = await engine.trigger({
        tenantId: c.tenant_id,
        connectionId: c.id,
        streams: c.schedule.streams,
        mode: c.schedule.mode ?? 'incremental',
        trigger: 'schedule',
        // The connection's own interval is its throttle (JTL-FFN polls every 2 min, below the default 5).
        minIntervalMs: c.schedule.everyMinutes * 60_000 - 1_000,
      });
      results.push({ connection: c.id, created: r.created.length, active: r.active.length, throttled: r.throttled.length });
    } catch (err) {
      results.push({ connection: c.id, created: 0, active: 0, throttled: 0, error: (err as Error).message });
    }
  }
  // After the scheduled triggers, which are database work only: a slow store's webhook check must not
  // delay them. It records its own failures on the connection and never throws.
  await checkDueWebhookHealth(engine);
  return results;
}
