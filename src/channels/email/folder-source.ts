/**
 * The embedded inbox: a watched folder of message files (MAILROOM_INBOX_DIR). Each file is
 * handed to intake (which stores the raw bytes first) and then moved to `processed/`; a file
 * that cannot be taken in is moved to `failed/` with a `.error.txt` beside it. Nothing is lost.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Intake } from '../../intake/intake.ts';
import { normaliseMessageId } from '../../intake/intake.ts';
import type { Logger } from '../../logger.ts';
import { errorMessage } from '../../errors.ts';

export interface FolderSource {
  scan(): Promise<number>;
  stop(): Promise<void>;
}

export function startFolderSource(options: { dir: string; intake: Intake; log: Logger; pollMs?: number }): FolderSource {
  const { dir, intake } = options;
  const log = options.log.child({ component: 'folder-source' });
  for (const sub of ['', 'processed', 'failed']) fs.mkdirSync(path.join(dir, sub), { recursive: true });
  let scanning: Promise<number> | undefined;
  let again = false;

  const move = (file: string, to: 'processed' | 'failed') => {
    const target = path.join(dir, to, `${Date.now()}-${path.basename(file)}`);
    fs.renameSync(file, target);
    return target;
  };

  const takeOne = async (file: string): Promise<void> => {
    const bytes = fs.readFileSync(file);
    try {
      if (!bytes.length) throw new Error('empty file');
      const id = /^message-id:\s*(<[^>\r\n]+>|\S+)/im.exec(bytes.subarray(0, 65536).toString('latin1'))?.[1];
      const r = await intake.accept({ kind: 'email', bytes, dedupeKey: normaliseMessageId(id), source: { channel: 'folder', path: file } });
      move(file, 'processed');
      log.info({ file: path.basename(file), run_id: r.runId, duplicate: r.duplicate }, 'message taken in');
    } catch (err) {
      const target = move(file, 'failed');
      fs.writeFileSync(`${target}.error.txt`, `${errorMessage(err)}\n`);
      log.warn({ file: path.basename(file), err: errorMessage(err) }, 'message could not be taken in');
    }
  };

  const scanOnce = async (): Promise<number> => {
    const files = fs
      .readdirSync(dir, { withFileTypes: true })
      .filter((e) => e.isFile() && !e.name.startsWith('.') && !e.name.endsWith('.tmp'))
      .map((e) => path.join(dir, e.name));
    for (const f of files) await takeOne(f);
    return files.length;
  };

  const scan = async (): Promise<number> => {
    if (scanning) {
      again = true;
      return scanning;
    }
    scanning = (async () => {
      let n = 0;
      do {
        again = false;
        n += await scanOnce();
      } while (again);
      return n;
    })().finally(() => (scanning = undefined));
    return scanning;
  };

  // fs.watch for speed, a slow poll as the backstop (watch events can be missed on some filesystems).
  const watcher = fs.watch(dir, () => void scan().catch((err) => log.warn({ err: String(err) }, 'scan failed')));
  const poll = setInterval(() => void scan().catch(() => undefined), options.pollMs ?? 5000);
  poll.unref();
  void scan().catch((err) => log.warn({ err: String(err) }, 'initial scan failed'));
  return {
    scan,
    async stop() {
      watcher.close();
      clearInterval(poll);
      await scanning;
    },
  };
}
