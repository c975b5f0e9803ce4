// Sandboxes and test sources listen on loopback over plain http, which the outbound policy refuses
// unless allowed: tests allow exactly that, as an operator would for a sandbox.
import { OutboundPolicy } from '../../src/connectors/outbound.js';

export const SANDBOX_OUTBOUND = new OutboundPolicy({ allowedHosts: ['127.0.0.1', 'localhost'] });
