import type pg from 'pg';

/**
 * Runs `fn` in a transaction on one pooled client: COMMIT when it resolves, ROLLBACK when it
 * throws, unless `commitOnError` says the error carries work to keep (an engine suspension).
 */
export async function withTransaction<T>(pool: pg.Pool, fn: (tx: pg.PoolClient) => Promise<T>, options: { commitOnError?: (err: unknown) => boolean } = {}): Promise<T> {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    const result = await fn(client);
    await client.query('COMMIT');
    return result;
  } catch (err) {
    if (options.commitOnError?.(err)) await client.query('COMMIT');
    else await client.query('ROLLBACK').catch(() => undefined);
    throw err;
  } finally {
    client.release();
  }
}
