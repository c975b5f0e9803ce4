// What clients asked of the sandbox (GET /_sandbox/requests): enough to assert pacing, paging and which
// requests an injected fault hit. A bounded ring, so long benchmarks do not grow memory.
import { BoundedLog } from '../common/bounded-log.js';

export interface RequestLogEntry {
  /** Epoch ms the request arrived. */
  at: number;
  method: string;
  /** Path without the query string, e.g. /wp-json/wc/v3/products. */
  path: string;
  /** The query as the client sent it (before a stripQueryString fault), auth parameters included. */
  query: Record<string, string | string[]>;
  status: number;
  /** Answered 429 or 503 by the injected "host" layer. */
  throttled: boolean;
  /** The injected fault, if any: 5xx, 429, 503, empty, reset, hang, strip-query, page-repeat. */
  fault: string | null;
  /** How the request authenticated: basic, query, oauth, or null. */
  auth: 'basic' | 'query' | 'oauth' | null;
}

export class RequestLog extends BoundedLog<RequestLogEntry> {
  constructor() {
    super(50_000);
  }
}
