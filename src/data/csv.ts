import fs from 'node:fs';
import { parse } from 'csv-parse/sync';
import { z } from 'zod';
import { InputError } from '../errors.ts';

/** Reads a CSV with a header row and validates each row; errors name the file and line. */
export function readCsv<T>(file: string, schema: z.ZodType<T>): T[] {
  let records: Record<string, string>[];
  try {
    records = parse(fs.readFileSync(file), { columns: (h: string[]) => h.map((c) => c.trim().toLowerCase()), skip_empty_lines: true, trim: true, bom: true });
  } catch (err) {
    throw new InputError(`${file}: not a readable CSV: ${(err as Error).message}`, { cause: err });
  }
  return records.map((r, i) => {
    const parsed = schema.safeParse(r);
    if (!parsed.success) {
      throw new InputError(`${file}, line ${i + 2}: ${parsed.error.issues.map((x) => `${x.path.join('.')}: ${x.message}`).join('; ')}`);
    }
    return parsed.data;
  });
}
