/**
 * OCR with tesseract.js: a scheduler with one worker per core, created on first use and closed
 * explicitly so a CLI process can exit. Language data comes from npm packages
 * (`@tesseract.js-data/<lang>`, 4.0.0_best_int), never from a CDN, and nothing is cached to the
 * working directory.
 */
import os from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';
import { createScheduler, createWorker, type Scheduler } from 'tesseract.js';
import { ConfigError, InputError } from '../errors.ts';

const require = createRequire(import.meta.url);

export interface OcrWord {
  text: string;
  confidence: number;
}

export interface OcrResult {
  text: string;
  confidence: number;
  words: OcrWord[];
  ms: number;
}

export interface OcrPool {
  recognize(image: Buffer, options?: { timeoutMs?: number }): Promise<OcrResult>;
  close(): Promise<void>;
  readonly size: number;
}

export function languageDataPath(lang: string): string {
  try {
    return path.join(path.dirname(require.resolve(`@tesseract.js-data/${lang}/package.json`)), '4.0.0_best_int');
  } catch (err) {
    throw new ConfigError(`OCR language "${lang}" is not installed: npm install @tesseract.js-data/${lang}`, { cause: err });
  }
}

export function createOcrPool(options: { languages?: string[]; workers?: number } = {}): OcrPool {
  const languages = options.languages ?? ['eng'];
  // A missing language package is a configuration error: say so now, not at the first scan.
  for (const lang of languages) languageDataPath(lang);
  const size = Math.max(1, options.workers ?? os.availableParallelism());
  let scheduler: Promise<Scheduler> | undefined;

  const start = async (): Promise<Scheduler> => {
    const s = createScheduler();
    // All languages must come from the same folder layout; tesseract.js takes one langPath.
    const langPath = path.dirname(languageDataPath(languages[0]!));
    const workers = await Promise.all(
      Array.from({ length: size }, () =>
        createWorker(languages, 1, { langPath: path.join(langPath, '4.0.0_best_int'), cacheMethod: 'none', gzip: true }),
      ),
    );
    for (const w of workers) s.addWorker(w);
    return s;
  };

  return {
    size,
    async recognize(image, { timeoutMs = 60_000 } = {}) {
      scheduler ??= start();
      const s = await scheduler;
      const started = Date.now();
      let timer: NodeJS.Timeout | undefined;
      try {
        const result = await Promise.race([
          s.addJob('recognize', image, {}, { blocks: true }),
          new Promise<never>((_, reject) => {
            timer = setTimeout(() => reject(new InputError(`OCR took longer than ${timeoutMs} ms`)), timeoutMs);
          }),
        ]);
        const data = result.data as unknown as { text: string; confidence: number; blocks?: Array<{ paragraphs: Array<{ lines: Array<{ words: Array<{ text: string; confidence: number }> }> }> }> };
        const words = (data.blocks ?? []).flatMap((b) => b.paragraphs.flatMap((p) => p.lines.flatMap((l) => l.words.map((w) => ({ text: w.text, confidence: w.confidence })))));
        return { text: data.text, confidence: data.confidence, words, ms: Date.now() - started };
      } finally {
        clearTimeout(timer);
      }
    },
    async close() {
      if (scheduler) await (await scheduler).terminate();
      scheduler = undefined;
    },
  };
}
