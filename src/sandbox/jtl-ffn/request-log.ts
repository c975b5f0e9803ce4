// What clients asked of the sandbox (GET /_sandbox/requests): API and OAuth requests, enough to assert
// pacing, paging, refresh behaviour and which requests an injected fault hit. A bounded ring, so long
// benchmarks do not grow memory.
import { BoundedLog } from '../common/bounded-log.js';

export interface RequestLogEntry {
  /** Epoch ms the request arrived. */
  at: number;
  method: string;
  /** Path without the query string, e.g. /api/v1/merchant/products or /oauth/token. */
  path: string;
  query: Record<string, string | string[]>;
  status: number;
  /** The injected fault that answered, if any: fail (failNext / rate5xx) or 429. */
  fault: string | null;
  /** OAuth client id of the access token (API) or of the Basic credentials (token endpoint). */
  clientId: string | null;
}

export class RequestLog extends BoundedLog<RequestLogEntry> {
  constructor() {
    super(50_000);
  }
}
