/**
 * The embedded inbox without IMAP: a watched folder of message files (MAILROOM_INBOX_DIR,
 * default .mailroom/inbox). fs.watch reacts at once; an initial scan and a slow poll catch what
 * arrived while stopped or what a watch event missed (network filesystems drop them).
 *
 *   inbox/x.eml ─(size stable)─► accept ─ok─► inbox/processed/<time>-x.eml
 *                                   ├─ refused (InputError) ─► inbox/failed/<time>-x.eml + .error.txt
 *                                   └─ intake down ─► left in place, tried again on the next scan
 *
 * A file is only moved after `accept` resolved, so nothing is lost: a crash in between means a
 * second accept, which intake reports as a duplicate. Dotfiles and *.tmp / *.part (files still
 * being written) are ignored, and a file whose size is still changing is left for the next scan.
 */
import fs from 'node:fs';
import path from 'node:path';
import { errorMessage, InputError } from '../../errors.ts';
import { logger, type Logger } from '../../logger.ts';
import { messageIdOf, type IntakePort } from './intake-port.ts';

export interface FolderSource {
  /** Takes in every file now in the folder; resolves with how many were handled. */
  scan(): Promise<number>;
  stop(): Promise<void>;
}

export interface FolderSourceOptions {
  dir: string;
  intake: IntakePort;
  log?: Logger;
  /** Backstop poll interval (default 5 s). */
  pollMs?: number;
  /** A file must keep its size this long before it is read (default 150 ms). */
  settleMs?: number;
  /** Largest file taken in; larger ones go to failed/ (default 100 MiB). */
  maxBytes?: number;
}

const SKIP = /^\.|\.(tmp|part|partial|crdownload|swp)$|~$|\.error\.txt$/i;

export function startFolderSource(options: FolderSourceOptions): FolderSource {
  const { dir, intake } = options;
  const log = (options.log ?? logger()).child({ component: 'folder-source' });
  const settleMs = options.settleMs ?? 150;
  const maxBytes = options.maxBytes ?? 100 * 1024 * 1024;
  for (const sub of ['', 'processed', 'failed']) fs.mkdirSync(path.join(dir, sub), { recursive: true });
  let scanning: Promise<number> | undefined;
  let again = false;
  let stopped = false;
  let seq = 0;

  const moveTo = (file: string, sub: 'processed' | 'failed'): string => {
    const stamp = new Date().toISOString().replace(/[:.]/g, '-');
    const target = path.join(dir, sub, `${stamp}-${process.pid}-${seq++}-${path.basename(file)}`);
    fs.renameSync(file, target);
    return target;
  };

  const settled = async (file: string): Promise<fs.Stats | undefined> => {
    const a = fs.statSync(file, { throwIfNoEntry: false });
    if (!a?.isFile()) return undefined;
    if (Date.now() - a.mtimeMs > settleMs) return a;
    await new Promise((r) => setTimeout(r, settleMs));
    const b = fs.statSync(file, { throwIfNoEntry: false });
    return b && b.size === a.size && b.mtimeMs === a.mtimeMs ? b : undefined;
  };

  const takeOne = async (file: string): Promise<boolean> => {
    const st = await settled(file);
    if (!st) {
      // Still being written: look again shortly rather than at the next poll.
      if (!stopped) setTimeout(kick, settleMs).unref();
      return false;
    }
    try {
      if (st.size === 0) throw new InputError('empty file');
      if (st.size > maxBytes) throw new InputError(`file is ${st.size} bytes, over the limit of ${maxBytes}`);
      const bytes = fs.readFileSync(file);
      const r = await intake.accept({ kind: 'email', bytes, dedupeKey: messageIdOf(bytes), source: { channel: 'folder', path: file } });
      moveTo(file, 'processed');
      log.info({ file: path.basename(file), item_id: r.itemId, run_id: r.runId, duplicate: r.duplicate }, 'message taken in');
      return true;
    } catch (err) {
      if (!(err instanceof InputError)) {
        // Intake or database trouble: the file stays where it is and is tried again.
        log.warn({ file: path.basename(file), err: errorMessage(err) }, 'could not hand the file to intake; will retry');
        return false;
      }
      const target = moveTo(file, 'failed');
      fs.writeFileSync(`${target}.error.txt`, `${err.message}\n`);
      log.warn({ file: path.basename(file), err: err.message }, 'file refused; moved to failed/');
      return true;
    }
  };

  const scanOnce = async (): Promise<number> => {
    const files = fs
      .readdirSync(dir, { withFileTypes: true })
      .filter((e) => e.isFile() && !SKIP.test(e.name))
      .map((e) => path.join(dir, e.name))
      .sort();
    let n = 0;
    for (const f of files) {
      if (stopped) break;
      if (await takeOne(f)) n++;
    }
    return n;
  };

  const kick = () => void scan().catch((err) => log.warn({ err: errorMessage(err) }, 'scan failed'));

  const scan = (): Promise<number> => {
    if (scanning) {
      again = true;
      return scanning;
    }
    scanning = (async () => {
      let n = 0;
      do {
        again = false;
        n += await scanOnce();
      } while (again && !stopped);
      return n;
    })().finally(() => (scanning = undefined));
    return scanning;
  };

  let watcher: fs.FSWatcher | undefined;
  try {
    watcher = fs.watch(dir, kick);
    watcher.on('error', (err) => log.warn({ err: errorMessage(err) }, 'watch failed; polling only'));
  } catch (err) {
    log.warn({ err: errorMessage(err) }, 'fs.watch unavailable; polling only');
  }
  const poll = setInterval(kick, options.pollMs ?? 5000);
  poll.unref();
  kick();
  return {
    scan,
    async stop() {
      stopped = true;
      watcher?.close();
      clearInterval(poll);
      await scanning?.catch(() => undefined);
    },
  };
}
