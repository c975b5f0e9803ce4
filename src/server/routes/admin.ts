// POST /admin/v1/cli: how CLI commands reach a `serve` that owns the embedded data dir (PGlite admits
// one process). Body {operation, args}; the server runs the same operation function the CLI would
// run itself (src/cli/ops), with its own database and engine, and answers its JSON result or the
// error envelope. Outside the tenant API and the OpenAPI document: it is the CLI's, not a client's.
//
// Authentication: `Authorization: Bearer <admin token>`, the token serve keeps in <dataDir>/admin.token
// (mode 0600). Compared timing-safely, as SHA-256 digests (equal lengths whatever was sent); with no
// token configured every request is refused. Failures count on the API keys' brake (auth.ts).
import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { SyncError } from '../../core/errors.js';
import type { AuthBrake } from '../auth.js';

export const ADMIN_CLI_PATH = '/admin/v1/cli';

export interface AdminDeps {
  /** The admin token; empty: every request is refused. */
  token: string;
  /** Names of the operations `execute` runs. */
  operations: readonly string[];
  /** Runs an operation; its arguments are validated there (a SyncError validation_failed when bad). */
  execute(operation: string, args: Record<string, unknown>): Promise<unknown>;
}

const digest = (text: string) => createHash('sha256').update(text, 'utf8').digest();

/** A check of presented tokens against `token` that takes the same time whatever was presented. */
export function adminTokenCheck(token: string): (presented: string) => boolean {
  const expected = token ? digest(token) : null;
  return (presented) => {
    // Digest first, so that the comparison is of equal lengths and does not stop at the first difference.
    const given = digest(presented);
    return expected !== null && timingSafeEqual(given, expected);
  };
}

const body = z.strictObject({
  operation: z.string().min(1).max(100),
  args: z.record(z.string(), z.unknown()).default({}),
});

export async function adminRoutes(app: FastifyInstance, admin: AdminDeps, brake: AuthBrake): Promise<void> {
  const matches = adminTokenCheck(admin.token);
  await app.register(async (scope) => {
    // Before the body is read: an unauthenticated request learns nothing, not even whether its body is valid.
    scope.addHook('onRequest', async (request) => {
      await brake.gate(request);
      const header = request.headers.authorization;
      const match = typeof header === 'string' ? /^Bearer\s+(\S+)\s*$/i.exec(header) : null;
      if (match && matches(match[1]!)) return;
      const err = new SyncError('unauthorized', match ? 'invalid admin token' : 'missing admin token: send Authorization: Bearer <contents of <dataDir>/admin.token>');
      throw await brake.failed(request, err);
    });
    scope.withTypeProvider<ZodTypeProvider>().post(ADMIN_CLI_PATH, { schema: { hide: true, body } }, async (request, reply) => {
      const { operation, args } = request.body;
      if (!admin.operations.includes(operation)) {
        throw new SyncError('validation_failed', `unknown operation "${operation}"; known: ${admin.operations.join(', ')}`);
      }
      const result = await admin.execute(operation, args);
      // Sent as JSON text whatever its shape (a list is a valid answer too).
      return reply.type('application/json; charset=utf-8').send(JSON.stringify(result ?? null));
    });
  });
}
