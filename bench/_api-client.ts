/**
 * The API benchmark's client, in a worker thread: requests come from outside the service's event
 * loop, as they would from another process, so the client's own HTTP work is not billed to the
 * service. `runs`: POST /api/v1/runs with `width` in flight; `hooks`: signed webhooks one at a time.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { Webhook } from 'standardwebhooks';

export interface ClientJob {
  mode: 'runs' | 'hooks';
  base: string;
  token: string;
  secret: string;
  n: number;
  width: number;
  /** Distinguishes rounds, so every webhook-id and input is new. */
  round: string;
}

export type ClientResult = { perSecond: number } | { sent: Array<{ runId: string; sentAt: number }> };

async function runs(job: ClientJob): Promise<ClientResult> {
  let next = 0;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: job.width }, async () => {
      while (next < job.n) {
        const i = next++;
        const res = await fetch(`${job.base}/api/v1/runs`, {
          method: 'POST',
          body: JSON.stringify({ workflow: 'bench-start', input: { n: i } }),
          headers: { 'content-type': 'application/json', authorization: `Bearer ${job.token}` },
        });
        if (res.status !== 201) throw new Error(`POST /api/v1/runs answered ${res.status}: ${await res.text()}`);
        await res.arrayBuffer();
      }
    }),
  );
  return { perSecond: job.n / ((performance.now() - t0) / 1000) };
}

async function hooks(job: ClientJob): Promise<ClientResult> {
  const signer = new Webhook(job.secret);
  const sent: Array<{ runId: string; sentAt: number }> = [];
  for (let i = 0; i < job.n; i++) {
    const raw = JSON.stringify({ n: i });
    const id = `msg_${job.round}_${i}`;
    const sentAt = Date.now();
    const res = await fetch(`${job.base}/webhook/bench`, {
      method: 'POST',
      body: raw,
      headers: { 'content-type': 'application/json', 'webhook-id': id, 'webhook-timestamp': String(Math.floor(sentAt / 1000)), 'webhook-signature': signer.sign(id, new Date(sentAt), raw) },
    });
    if (res.status !== 202) throw new Error(`webhook answered ${res.status}: ${await res.text()}`);
    sent.push({ runId: ((await res.json()) as { run_id: string }).run_id, sentAt });
    // One at a time, and spaced so each run's start is measured on its own.
    await new Promise((r) => setTimeout(r, 20));
  }
  return { sent };
}

const job = workerData as ClientJob;
parentPort!.postMessage(await (job.mode === 'runs' ? runs(job) : hooks(job)));
