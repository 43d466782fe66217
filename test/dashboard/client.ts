/**
 * A browser-like client for dashboard tests over real HTTP: keeps the session cookie, sends
 * Origin (and Sec-Fetch-Site) on POSTs as a browser does, posts forms url-encoded, and never
 * follows redirects (tests look at them).
 */
export interface Page {
  status: number;
  text: string;
  headers: Headers;
  location: string | null;
}

export interface DashboardClient {
  cookie: string | undefined;
  get(path: string, headers?: Record<string, string>): Promise<Page>;
  post(path: string, form: Record<string, string>, headers?: Record<string, string>): Promise<Page>;
  signIn(token: string): Promise<Page>;
}

export function dashboardClient(base: string): DashboardClient {
  const client: DashboardClient = {
    cookie: undefined,
    async get(path, headers = {}) {
      return request('GET', path, undefined, headers);
    },
    async post(path, form, headers = {}) {
      return request('POST', path, new URLSearchParams(form).toString(), { origin: base, 'sec-fetch-site': 'same-origin', 'content-type': 'application/x-www-form-urlencoded', ...headers });
    },
    async signIn(token) {
      const res = await client.post('/login', { token, next: '/runs' });
      if (res.status !== 303) throw new Error(`sign-in answered ${res.status}: ${res.text.slice(0, 300)}`);
      return res;
    },
  };
  async function request(method: string, path: string, body: string | undefined, headers: Record<string, string>): Promise<Page> {
    const all: Record<string, string> = { ...headers };
    if (client.cookie && !('cookie' in all)) all.cookie = client.cookie;
    for (const [k, v] of Object.entries(all)) if (v === '') delete all[k];
    const res = await fetch(`${base}${path}`, { method, headers: all, body, redirect: 'manual' });
    const set = res.headers.get('set-cookie');
    if (set) {
      const [pair] = set.split(';');
      client.cookie = /=$/.test(pair ?? '') || /max-age=0/i.test(set) ? undefined : pair;
    }
    return { status: res.status, text: await res.text(), headers: res.headers, location: res.headers.get('location') };
  }
  return client;
}
