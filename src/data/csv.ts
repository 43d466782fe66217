import fs from 'node:fs';
import { parse } from 'csv-parse/sync';
import { z } from 'zod';
import { InputError } from '../errors.ts';

/** Reads a CSV with a header row and validates each row; errors name the file and line. */
export function readCsv<T>(file: string, schema: z.ZodType<T>): T[] {
  let records: Record<string, string>[];
  let header: string[] = [];
  try {
    records = parse(fs.readFileSync(file), { columns: (h: string[]) => (header = h.map((c) => c.trim().toLowerCase())), skip_empty_lines: true, trim: true, bom: true });
  } catch (err) {
    throw new InputError(`${file}: not a readable CSV: ${(err as Error).message}`, { cause: err });
  }
  // A header without the columns the rows need is the wrong file, even when it has no rows yet.
  const required = requiredColumns(schema);
  const missing = header.length ? required.filter((c) => !header.includes(c)) : [];
  if (missing.length) throw new InputError(`${file}: the header has no ${missing.join(', ')} column${missing.length > 1 ? 's' : ''} (it has: ${header.join(', ') || 'nothing'})`);
  return records.map((r, i) => {
    const parsed = schema.safeParse(r);
    if (!parsed.success) {
      throw new InputError(`${file}, line ${i + 2}: ${parsed.error.issues.map((x) => `${x.path.join('.')}: ${x.message}`).join('; ')}`);
    }
    return parsed.data;
  });
}

/** The keys an object schema cannot do without (neither optional nor defaulted). */
function requiredColumns(schema: z.ZodType): string[] {
  const shape = (schema as unknown as { shape?: Record<string, z.ZodType> }).shape;
  if (!shape) return [];
  return Object.entries(shape).filter(([, field]) => !field.safeParse(undefined).success).map(([key]) => key);
}
