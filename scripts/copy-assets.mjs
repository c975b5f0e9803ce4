// Copies non-TypeScript assets (SQL migrations) next to the compiled JavaScript in dist/.
import { cpSync, existsSync } from 'node:fs';
const pairs = [['src/store/migrations', 'dist/store/migrations']];
for (const [from, to] of pairs) if (existsSync(from)) cpSync(from, to, { recursive: true });
