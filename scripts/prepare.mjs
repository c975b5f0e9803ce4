// `prepare` (run by npm install / npm ci, and again by npx when it links this package into its cache):
// compiles src/ into dist/ unless dist/ is already newer than every source file, then links the
// package's bin into node_modules/.bin. Skipping an up-to-date build keeps the first
// `npx commerce-sync` of a fresh clone from recompiling the whole project (several seconds).
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

const STAMP = join('dist', '.build-stamp');
const INPUTS = ['src', 'tsconfig.json', 'tsconfig.build.json', 'package.json', 'scripts/copy-assets.mjs'];

function newestMtime(path) {
  const st = statSync(path);
  if (!st.isDirectory()) return st.mtimeMs;
  let newest = st.mtimeMs;
  for (const entry of readdirSync(path)) newest = Math.max(newest, newestMtime(join(path, entry)));
  return newest;
}

const upToDate = existsSync(STAMP) && statSync(STAMP).mtimeMs >= Math.max(...INPUTS.filter(existsSync).map(newestMtime));
if (upToDate) {
  console.log('commerce-sync: dist/ is up to date, not rebuilding');
} else {
  execFileSync('npm', ['run', 'build'], { stdio: 'inherit' }); // stamps dist/ when done
}
execFileSync(process.execPath, [join('scripts', 'link-bin.mjs')], { stdio: 'inherit' });
