// Links the package's own bin into node_modules/.bin, so `npx commerce-sync` in a clone runs the local
// command at once (without it npx copies the project into its cache first, which takes many seconds).
import { chmodSync, existsSync, mkdirSync, rmSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';

const dir = join('node_modules', '.bin');
if (existsSync('node_modules')) {
  mkdirSync(dir, { recursive: true });
  const link = join(dir, 'commerce-sync');
  rmSync(link, { force: true });
  symlinkSync(join('..', '..', 'bin', 'commerce-sync.js'), link);
  chmodSync(join('bin', 'commerce-sync.js'), 0o755);
}
