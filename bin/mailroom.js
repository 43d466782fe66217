#!/usr/bin/env node
// Entry point for `npx mailroom` and `npm start`. Mailroom's sources are TypeScript run by
// Node's built-in type stripping (on by default from Node 22.18/23.6); older 22.x needs the flag.
import { spawnSync } from 'node:child_process';

if (!process.features.typescript) {
  const r = spawnSync(process.execPath, ['--experimental-strip-types', '--no-warnings=ExperimentalWarning', ...process.argv.slice(1)], { stdio: 'inherit' });
  process.exit(r.status ?? 1);
}
await import('../src/cli/main.ts');
