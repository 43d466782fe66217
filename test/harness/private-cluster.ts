/**
 * The private PostgreSQL of a test file run alone (see postgres.ts). Started here, in a process
 * of its own, so that nothing of it stays open in the test process's event loop; its server URL
 * is printed as one line on stdout. It stops when its stdin closes, which happens when the test
 * process ends however it ends: tests done, `--test-force-exit`, a signal, a crash.
 */
import fs from 'node:fs';
import { startTestCluster } from './postgres.ts';

// pg.stop() waits for the postmaster's exit event, which never comes if it is already gone.
const STOP_TIMEOUT_MS = 15_000;

const db = await startTestCluster();
let stopping = false;
const stop = () => {
  if (stopping) return;
  stopping = true;
  const timeout = new Promise((resolve) => setTimeout(resolve, STOP_TIMEOUT_MS).unref());
  void Promise.race([db.stop(), timeout])
    .catch(() => undefined)
    .finally(() => {
      fs.rmSync(db.dir, { recursive: true, force: true });
      process.exit(0);
    });
};
process.stdin.on('end', stop);
process.stdin.on('close', stop);
process.stdin.on('error', stop);
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
process.stdin.resume();
process.stdout.write(`${db.adminUrl}\n`);
