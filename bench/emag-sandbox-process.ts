// An eMAG sandbox in its own process for the emag-parallel bench, driven over the fork IPC channel: the
// platform's side of the work (serving pages, answering acknowledgements) does not take CPU from the
// benchmarked engine, as it does not in production. Sends {ready: {apiUrl, credentials}} once listening,
// then answers each {id, op, arg} with {id, result} or {id, error}; exits when the parent disconnects.
//   SB_TIME_SCALE  rate-limit compression (default 1)
import { type SeedSpec, startEmagSandbox } from '../src/sandbox/emag/index.js';

export type SandboxOp =
  | { op: 'seed'; arg: SeedSpec }
  | { op: 'reset' }
  | { op: 'requests' }
  | { op: 'stats' }
  | { op: 'newOrders'; arg: string }
  | { op: 'cpu' };

const sb = await startEmagSandbox({ timeScale: Number(process.env.SB_TIME_SCALE ?? 1) });

function handle(msg: SandboxOp): unknown {
  switch (msg.op) {
    case 'seed':
      return sb.seed(msg.arg);
    case 'reset':
      // Full buckets and an empty request log: each measurement starts from the same platform state.
      sb.resetLimits();
      sb.clearRequests();
      return null;
    case 'requests':
      return sb.requests();
    case 'stats':
      return sb.stats();
    case 'newOrders': {
      // Orders still new (status 1), i.e. not acknowledged; read from the store, not rendered as JSON.
      const account = sb.runtime.accounts.get(msg.arg);
      if (!account) throw new Error(`unknown account ${msg.arg}`);
      return account.store.orders.filter((o) => o.status === 1).length;
    }
    case 'cpu': {
      const { user, system } = process.cpuUsage();
      return (user + system) / 1e6;
    }
  }
}

process.on('message', (msg: SandboxOp & { id: number }) => {
  try {
    process.send!({ id: msg.id, result: handle(msg) });
  } catch (err) {
    process.send!({ id: msg.id, error: (err as Error).message });
  }
});
process.on('disconnect', () => void sb.close().then(() => process.exit(0)));
process.send!({ ready: { apiUrl: sb.apiUrl, credentials: { main: sb.credentials('main'), fbe: sb.credentials('fbe') } } });
