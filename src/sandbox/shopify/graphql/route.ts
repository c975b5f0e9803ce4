// POST /admin/api/{version}/graphql.json: authenticate, parse, validate, price the query, take the price
// from the leaky bucket (or answer THROTTLED / MAX_COST_EXCEEDED), execute, refund requested - actual,
// and attach extensions.cost to every response.
import { randomUUID } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { DocumentNode, GraphQLError, OperationDefinitionNode } from 'graphql';
import { execute, getOperationAST, getVariableValues, parse, validate } from 'graphql';
import { INVALID_TOKEN_BODY, THROTTLED_DOCUMENTATION, injectFault, maybeBumpUpdatedAt, scopesFor } from '../api-guard.js';
import { isKnownVersionShape, versionFeatures } from '../options.js';
import type { SandboxRuntime } from '../runtime.js';
import type { GraphQLContext } from './context.js';
import type { FieldCost } from './cost.js';
import { MAX_QUERY_COST, actualCost, requestedCost } from './cost.js';
import { schemaFor } from './schema.js';

interface GraphQLBody {
  query?: unknown;
  variables?: unknown;
  operationName?: unknown;
}

interface CostExtension {
  requestedQueryCost: number;
  actualQueryCost: number | null;
  throttleStatus: { maximumAvailable: number; currentlyAvailable: number; restoreRate: number };
}

function throttleStatus(runtime: SandboxRuntime): CostExtension['throttleStatus'] {
  return {
    maximumAvailable: runtime.bucket.maximumAvailable,
    currentlyAvailable: Math.floor(runtime.bucket.currentlyAvailable()),
    restoreRate: runtime.bucket.effectiveRate(),
  };
}

function cost(runtime: SandboxRuntime, requested: number, actual: number | null): { cost: CostExtension } {
  return { cost: { requestedQueryCost: requested, actualQueryCost: actual, throttleStatus: throttleStatus(runtime) } };
}

/** Some responses carry the throttle numbers as floats (`2000.0`); JSON.stringify cannot, so patch the text. */
function serialise(runtime: SandboxRuntime, body: unknown): string {
  const text = JSON.stringify(body);
  if (!runtime.options.floatThrottleNumbers) return text;
  return text.replace(/"(maximumAvailable|currentlyAvailable|restoreRate)":(-?\d+)(?=[,}])/g, '"$1":$2.0');
}

function formatErrors(errors: readonly GraphQLError[]): unknown[] {
  return errors.map((e) => e.toJSON());
}

export function registerGraphQLRoute(app: FastifyInstance, runtime: SandboxRuntime): void {
  app.addContentTypeParser('application/graphql', { parseAs: 'string' }, (_req, body, done) => done(null, { query: body }));

  app.post<{ Params: { version: string } }>('/admin/api/:version/graphql.json', async (request, reply) => {
    const { version } = request.params;
    const receivedAt = Date.now();
    const entry: LogState = { operationName: null, requested: null, actual: null, throttled: false, fault: null };
    const send = (status: number, body: unknown) => {
      runtime.log.add({
        at: new Date().toISOString(), receivedAt, method: 'POST', path: request.url, api: 'graphql', operationName: entry.operationName,
        requestedCost: entry.requested, actualCost: entry.actual, throttled: entry.throttled, status, fault: entry.fault,
      });
      return reply.code(status).header('content-type', 'application/json; charset=utf-8')
        .header('x-request-id', randomUUID()).header('x-shopify-api-version', version).send(serialise(runtime, body));
    };
    if (!isKnownVersionShape(version)) return send(404, { errors: 'Not Found' });
    const scopes = scopesFor(runtime, request);
    if (!scopes) return send(401, INVALID_TOKEN_BODY);
    const { handled, fault } = await injectFault(runtime, request, reply, 'graphql');
    if (handled) return reply;
    entry.fault = fault;
    maybeBumpUpdatedAt(runtime);
    return handle(runtime, request, version, scopes, entry, send);
  });
}

/** What the request log records about a GraphQL request, filled in as the request progresses. */
interface LogState {
  operationName: string | null;
  requested: number | null;
  actual: number | null;
  throttled: boolean;
  fault: string | null;
}

async function handle(
  runtime: SandboxRuntime, request: FastifyRequest, version: string, scopes: ReadonlySet<string>, entry: LogState,
  send: (status: number, body: unknown) => FastifyReply,
): Promise<FastifyReply> {
  const stats = runtime.log.stats.graphql;
  stats.requests += 1;
  const body = (request.body ?? {}) as GraphQLBody;
  if (typeof body.query !== 'string' || body.query.trim() === '') {
    return send(400, { errors: { query: 'Required parameter missing or invalid' } });
  }
  const features = versionFeatures(version);
  const schema = schemaFor(features);
  const rawVariables = (body.variables && typeof body.variables === 'object' ? body.variables : {}) as Record<string, unknown>;
  const operationName = typeof body.operationName === 'string' ? body.operationName : undefined;
  let document: DocumentNode;
  try {
    document = parse(body.query);
  } catch (error) {
    return send(200, { errors: formatErrors([error as GraphQLError]), extensions: cost(runtime, 0, 0) });
  }
  const invalid = validate(schema, document);
  if (invalid.length > 0) return send(200, { errors: formatErrors(invalid), extensions: cost(runtime, 0, 0) });
  const operation = getOperationAST(document, operationName) as OperationDefinitionNode | null;
  if (!operation) {
    return send(200, { errors: [{ message: operationName ? `No operation named "${operationName}"` : 'An operation name is required' }], extensions: cost(runtime, 0, 0) });
  }
  entry.operationName = operation.name?.value ?? null;
  const coerced = getVariableValues(schema, operation.variableDefinitions ?? [], rawVariables);
  if (coerced.errors) return send(200, { errors: formatErrors(coerced.errors), extensions: cost(runtime, 0, 0) });

  // Shopify-GraphQL-Cost-Debug=1 (and the older X-GraphQL-Cost-Include-Fields: true) adds the per-field breakdown.
  const debug = request.headers['shopify-graphql-cost-debug'] === '1' || request.headers['x-graphql-cost-include-fields'] === 'true';
  const trace: FieldCost[] | undefined = debug ? [] : undefined;
  const requested = requestedCost(schema, document, operation, coerced.coerced, trace);
  entry.requested = requested;
  if (requested > MAX_QUERY_COST) {
    stats.maxCostExceeded += 1;
    return send(200, { errors: [{
      message: `Query cost is ${requested}, which exceeds the single query max cost limit (${MAX_QUERY_COST}).\n\nSee https://shopify.dev/concepts/about-apis/rate-limits for more information on how the\ncost of a query is calculated.\n\nTo query larger amounts of data with fewer limits, bulk operations should be used instead.\nSee https://shopify.dev/tutorials/perform-bulk-operations-with-admin-api for usage details.\n`,
      extensions: { code: 'MAX_COST_EXCEEDED', cost: requested, maxCost: MAX_QUERY_COST, documentation: 'https://shopify.dev/api/usage/limits#rate-limits' },
    }], extensions: cost(runtime, requested, null) });
  }
  if (!runtime.bucket.take(requested)) {
    stats.throttled += 1;
    entry.throttled = true;
    // No `data` key at all, as in the observed throttled response.
    return send(runtime.options.throttleStatus, {
      errors: [{ message: 'Throttled', extensions: { code: 'THROTTLED', documentation: THROTTLED_DOCUMENTATION } }],
      extensions: cost(runtime, requested, null),
    });
  }
  stats.pointsRequested += requested;
  const ctx: GraphQLContext = {
    store: runtime.store, features, options: runtime.options, scopes, bulk: runtime.bulk, webhooks: runtime.webhooks,
    session: runtime.session, faults: runtime.faults, unbounded: false, searchWarnings: [], now: Date.now(),
  };
  const result = await execute({ schema, document, operationName, variableValues: rawVariables, contextValue: ctx });
  const actual = Math.min(requested, actualCost(schema, document, operation, coerced.coerced, result.data));
  entry.actual = actual;
  runtime.bucket.give(requested - actual);
  stats.pointsSpent += actual;
  stats.pointsRefunded += requested - actual;
  const extensions: Record<string, unknown> = cost(runtime, requested, actual);
  if (trace) (extensions.cost as Record<string, unknown>).fields = trace;
  if (ctx.searchWarnings.length > 0) extensions.search = ctx.searchWarnings;
  return send(200, {
    ...(result.errors ? { errors: formatErrors(result.errors) } : {}),
    data: result.data ?? null,
    extensions,
  });
}
