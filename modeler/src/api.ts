/** The HTTP API client: bearer token from sessionStorage, the one error shape turned into ApiError. */

export interface ErrorDetail {
  elementId?: string;
  message?: string;
  [key: string]: unknown;
}

export class ApiError extends Error {
  constructor(public status: number, public code: string, message: string, public details: ErrorDetail[] = []) {
    super(message);
  }
}

const TOKEN_KEY = 'processdesk.token';

export const session = {
  get token(): string | null {
    return sessionStorage.getItem(TOKEN_KEY);
  },
  set token(value: string | null) {
    if (value) sessionStorage.setItem(TOKEN_KEY, value);
    else sessionStorage.removeItem(TOKEN_KEY);
  },
};

async function request(method: string, path: string, body?: unknown): Promise<Response> {
  const headers: Record<string, string> = { Accept: 'application/json' };
  if (session.token) headers.Authorization = `Bearer ${session.token}`;
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  const res = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  if (!res.ok) {
    let code = 'HTTP_' + res.status;
    let message = res.statusText;
    let details: ErrorDetail[] = [];
    try {
      const json = await res.json();
      code = json?.error?.code ?? code;
      message = json?.error?.message ?? message;
      details = Array.isArray(json?.error?.details) ? json.error.details : [];
    } catch {
      /* not JSON */
    }
    if (res.status === 401 && session.token) window.dispatchEvent(new Event('processdesk:unauthorized'));
    throw new ApiError(res.status, code, message, details);
  }
  return res;
}

export const api = {
  async get<T = any>(path: string): Promise<T> {
    return (await request('GET', path)).json();
  },
  async text(path: string): Promise<string> {
    return (await request('GET', path)).text();
  },
  async post<T = any>(path: string, body: unknown = {}): Promise<T> {
    return (await request('POST', path, body)).json();
  },
  /** Status of a GET without throwing (used to find out what a non-demo token may do). */
  async status(path: string): Promise<number> {
    try {
      await request('GET', path);
      return 200;
    } catch (err) {
      return err instanceof ApiError ? err.status : 0;
    }
  },
};

export function qs(params: Record<string, string | undefined | null>): string {
  const entries = Object.entries(params).filter(([, v]) => v !== undefined && v !== null && v !== '') as [string, string][];
  return entries.length ? '?' + new URLSearchParams(entries).toString() : '';
}

export type Role = 'designer' | 'agent' | 'auditor' | 'admin' | 'worker';

export interface Me {
  id: string;
  roles: Role[];
  groups: string[];
  demo: boolean;
}

/** The demo users of api/auth.ts (token `demo-<id>`), listed on the sign-in page. */
export const DEMO_USERS: Me[] = [
  { id: 'owner', roles: ['designer'], groups: [], demo: true },
  { id: 'alice', roles: ['agent'], groups: ['service-desk', 'network'], demo: true },
  { id: 'bob', roles: ['agent'], groups: ['change-managers', 'cab'], demo: true },
  { id: 'carol', roles: ['auditor'], groups: [], demo: true },
  { id: 'admin', roles: ['admin'], groups: [], demo: true },
];

/** Who the token belongs to (GET /api/me); a token the server refuses is an ApiError 401. */
export async function whoAmI(): Promise<Me> {
  const me = await api.get<{ id: string; roles: Role[]; groups: string[]; via: string }>('/api/me');
  return { id: me.id, roles: me.roles, groups: me.groups, demo: me.via === 'demo' };
}

/** Whether the server accepts the demo tokens (GET /api/health says so; no token needed). */
export async function demoMode(): Promise<boolean> {
  try {
    const res = await fetch('/api/health', { headers: { Accept: 'application/json' } });
    return res.ok && (await res.json()).demo === true;
  } catch {
    return false;
  }
}

export const can = {
  design: (me: Me) => me.roles.some((r) => r === 'designer' || r === 'admin'),
  work: (me: Me) => me.roles.some((r) => r === 'agent' || r === 'admin'),
  instances: (me: Me) => me.roles.some((r) => r === 'designer' || r === 'admin'),
  audit: (me: Me) => me.roles.some((r) => r === 'auditor' || r === 'admin'),
  cancel: (me: Me) => me.roles.includes('admin'),
  resolve: (me: Me) => me.roles.includes('admin'),
  modify: (me: Me) => me.roles.includes('admin'),
  start: (me: Me) => me.roles.some((r) => r === 'designer' || r === 'agent' || r === 'admin'),
};
