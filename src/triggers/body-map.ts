/** A webhook body turned into a workflow's input: the whole object, or fields picked by dot paths. */

export interface MappedInput {
  input: Record<string, unknown>;
  /** For each input field taken from the body, the path it came from (so errors can name it). */
  from: Record<string, string>;
}

function at(body: unknown, dotPath: string): unknown {
  let value: unknown = body;
  for (const part of dotPath.split('.')) {
    if (value === null || typeof value !== 'object') return undefined;
    // Own properties only: a path such as `__proto__.x` must not reach into the prototype chain.
    if (!Object.prototype.hasOwnProperty.call(value, part)) return undefined;
    value = (value as Record<string, unknown>)[part];
  }
  return value;
}

export function mapBody(body: unknown, map: Record<string, string> | undefined): MappedInput {
  if (!map) {
    const input = body !== null && typeof body === 'object' && !Array.isArray(body) ? { ...(body as Record<string, unknown>) } : {};
    return { input, from: {} };
  }
  const input: Record<string, unknown> = {};
  for (const [field, dotPath] of Object.entries(map)) {
    const value = at(body, dotPath);
    if (value !== undefined) input[field] = value;
  }
  return { input, from: { ...map } };
}
