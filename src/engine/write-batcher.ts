/**
 * Group commit in the process: writes that arrive while earlier ones are in flight go together
 * in one statement (one round trip, one commit) when those come back. Every caller still waits
 * for its own write to be committed, so nothing is acknowledged before it is durable; alone, a
 * write goes at once, so a quiet engine pays no extra latency. When a combined write fails, each
 * write is tried on its own, so an error reaches only the caller whose write caused it.
 */
export type WriteBatcher<I, O> = (item: I) => Promise<O>;

export function createWriteBatcher<I, O>(
  writeMany: (items: I[]) => Promise<O[]>,
  options: { maxBatch?: number; inFlight?: number } = {},
): WriteBatcher<I, O> {
  const maxBatch = options.maxBatch ?? 100;
  const inFlight = options.inFlight ?? 2;
  const queue: Array<{ item: I; resolve: (o: O) => void; reject: (e: unknown) => void }> = [];
  let running = 0;

  const settle = async (batch: typeof queue) => {
    try {
      const out = await writeMany(batch.map((b) => b.item));
      batch.forEach((b, i) => b.resolve(out[i]!));
    } catch (err) {
      if (batch.length === 1) return batch[0]!.reject(err);
      await Promise.all(batch.map((b) => writeMany([b.item]).then((out) => b.resolve(out[0]!), b.reject)));
    }
  };

  const drain = async () => {
    running += 1;
    try {
      while (queue.length) await settle(queue.splice(0, maxBatch));
    } finally {
      running -= 1;
    }
  };

  return (item) =>
    new Promise<O>((resolve, reject) => {
      queue.push({ item, resolve, reject });
      if (running < inFlight) void drain();
    });
}
