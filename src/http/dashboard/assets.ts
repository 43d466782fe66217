/**
 * `/assets/*`: the few files the pages load, from node_modules (htmx, uPlot) and from this
 * folder (the stylesheet and the script). A fixed list: no path from the URL ever reaches the
 * file system. Read once, served with an ETag.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Hono } from 'hono';

const require = createRequire(import.meta.url);
const here = path.dirname(fileURLToPath(import.meta.url));

const FILES: Record<string, { file: () => string; type: string }> = {
  'htmx.min.js': { file: () => require.resolve('htmx.org/dist/htmx.min.js'), type: 'text/javascript; charset=utf-8' },
  'uPlot.iife.min.js': { file: () => require.resolve('uplot/dist/uPlot.iife.min.js'), type: 'text/javascript; charset=utf-8' },
  'uPlot.min.css': { file: () => require.resolve('uplot/dist/uPlot.min.css'), type: 'text/css; charset=utf-8' },
  'dashboard.css': { file: () => path.join(here, 'static', 'dashboard.css'), type: 'text/css; charset=utf-8' },
  'dashboard.js': { file: () => path.join(here, 'static', 'dashboard.js'), type: 'text/javascript; charset=utf-8' },
  'costs-chart.js': { file: () => path.join(here, 'static', 'costs-chart.js'), type: 'text/javascript; charset=utf-8' },
};

const cache = new Map<string, { body: Buffer; etag: string; type: string }>();

function load(name: string) {
  let hit = cache.get(name);
  if (!hit) {
    const spec = FILES[name]!;
    const body = fs.readFileSync(spec.file());
    hit = { body, etag: `"${crypto.createHash('sha1').update(body).digest('base64url')}"`, type: spec.type };
    cache.set(name, hit);
  }
  return hit;
}

export function registerAssets(app: Hono<any>): void {
  app.get('/assets/:name', (c) => {
    const name = c.req.param('name');
    if (!Object.hasOwn(FILES, name)) return c.text('not found', 404);
    const asset = load(name);
    c.header('ETag', asset.etag);
    c.header('Cache-Control', 'public, max-age=300');
    if (c.req.header('if-none-match') === asset.etag) return c.body(null, 304);
    c.header('Content-Type', asset.type);
    return c.body(new Uint8Array(asset.body));
  });
}
