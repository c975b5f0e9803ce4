#!/usr/bin/env node
// Entry point of the `commerce-sync` command. Runs the compiled CLI from dist/ (built by
// `npm install` through the `prepare` script, or by `npm run build`).
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const main = new URL('../dist/cli/main.js', import.meta.url);
if (!existsSync(fileURLToPath(main))) {
  console.error('commerce-sync: dist/ is missing. Run `npm run build` (npm install does it for you).');
  process.exit(1);
}
await import(main.href);
