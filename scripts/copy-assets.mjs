// The last step of `npm run build`: copies non-TypeScript assets (SQL migrations) next to the
// compiled JavaScript in dist/, then stamps dist/ as built (scripts/prepare.mjs compares the stamp
// with the sources to skip a rebuild that would change nothing).
import { cpSync, existsSync, writeFileSync } from 'node:fs';
const pairs = [['src/store/migrations', 'dist/store/migrations']];
for (const [from, to] of pairs) if (existsSync(from)) cpSync(from, to, { recursive: true });
writeFileSync('dist/.build-stamp', `${new Date().toISOString()}\n`);
