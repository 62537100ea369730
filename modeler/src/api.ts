/** The HTTP API client: the session cookie with the CSRF header, the one error shape turned into ApiError. */

export interface ErrorDetail {
  elementId?: string;
  message?: string;
  [key: string]: unknown;
}

export class ApiError extends Error {
  constructor(
    public status: number,
    public code: string,
    message: string,
    public details: ErrorDetail[] = [],
  ) {
    super(message);
  }
}

/**
 * Whether this tab is signed in. The credential is the session cookie (HttpOnly: no script can read it,
 * so a token never sits in sessionStorage); every tab of the browser shares it, so a new tab or a mailed
 * link needs no sign-in (api/sessions.ts).
 */
export const session = { signedIn: false };

/** Sent with every request: the server refuses a change authenticated by the cookie without it (CSRF). */
const CSRF_HEADERS = { 'X-ProcessDesk-CSRF': '1' };

/** Aborts the requests in flight at sign-out: they would come back refused (401) once the session ended. */
let inflight = new AbortController();
/** The sign-out under way: a sign-in waits for it, so the old session's end cannot follow the new start. */
let signingOut: Promise<void> = Promise.resolve();

/**
 * A request and the reading of its answer. One cut off by sign-out never settles: the page that asked
 * is gone, and neither an error for it nor a refusal from the ended session should surface.
 */
async function call<T>(method: string, path: string, body: unknown, read: (res: Response) => Promise<T>): Promise<T> {
  const { signal } = inflight;
  try {
    return await read(await request(method, path, body, signal));
  } catch (err) {
    if (signal.aborted) return new Promise<T>(() => undefined);
    throw err;
  }
}

async function request(method: string, path: string, body: unknown, signal: AbortSignal): Promise<Response> {
  const headers: Record<string, string> = { Accept: 'application/json', ...CSRF_HEADERS };
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  const res = await fetch(path, { method, headers, credentials: 'same-origin', signal, body: body === undefined ? undefined : JSON.stringify(body) });
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
    if (res.status === 401 && session.signedIn) window.dispatchEvent(new Event('processdesk:unauthorized'));
    throw new ApiError(res.status, code, message, details);
  }
  return res;
}

const json = (res: Response): Promise<any> => res.json();

export const api = {
  get<T = any>(path: string): Promise<T> {
    return call('GET', path, undefined, json);
  },
  text(path: string): Promise<string> {
    return call('GET', path, undefined, (res) => res.text());
  },
  post<T = any>(path: string, body: unknown = {}): Promise<T> {
    return call('POST', path, body, json);
  },
  /** A file the API sends (an attachment), read as the signed-in user. */
  blob(path: string): Promise<Blob> {
    return call('GET', path, undefined, (res) => res.blob());
  },
  /** A DELETE; its answer may be empty (204). */
  delete<T = any>(path: string): Promise<T | undefined> {
    return call('DELETE', path, undefined, async (res) => {
      const text = await res.text();
      return text ? (JSON.parse(text) as T) : undefined;
    });
  },
  put<T = any>(path: string, body: unknown): Promise<T> {
    return call('PUT', path, body, json);
  },
  /** Status of a GET without throwing (used to find out what a non-demo token may do). */
  async status(path: string): Promise<number> {
    try {
      await call('GET', path, undefined, async () => undefined);
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

/** The demo users of api/auth.ts but the worker (token `demo-<id>`), listed on the sign-in page; test/api/auth.test.ts keeps the two lists equal. */
export const DEMO_USERS: Me[] = [
  { id: 'owner', roles: ['designer'], groups: ['process-owners'], demo: true },
  { id: 'frank', roles: ['designer'], groups: [], demo: true },
  { id: 'alice', roles: ['agent'], groups: ['service-desk', 'network'], demo: true },
  { id: 'bob', roles: ['agent'], groups: ['change-managers', 'cab'], demo: true },
  { id: 'dave', roles: ['agent'], groups: ['network', 'cab'], demo: true },
  { id: 'erin', roles: ['agent'], groups: ['service-desk', 'cab'], demo: true },
  { id: 'paula', roles: ['agent'], groups: ['problem-managers'], demo: true },
  { id: 'carol', roles: ['auditor'], groups: [], demo: true },
  { id: 'admin', roles: ['admin'], groups: [], demo: true },
];

interface SessionAnswer {
  signedIn: boolean;
  id?: string;
  roles?: Role[];
  groups?: string[];
  via?: string;
}

function signedInAs(s: SessionAnswer): Me | null {
  session.signedIn = s.signedIn && !!s.id;
  return session.signedIn ? { id: s.id!, roles: s.roles ?? [], groups: s.groups ?? [], demo: s.via === 'demo' } : null;
}

/** Trades a token for the session cookie (POST /api/session); a refused token is an ApiError 401. */
export async function signInWith(token: string): Promise<Me> {
  await signingOut;
  return signedInAs(await api.post<SessionAnswer>('/api/session', { token }))!;
}

/** Who this browser's session cookie belongs to (GET /api/session), or null: asked at load, never a 401. */
export async function currentSession(): Promise<Me | null> {
  return signedInAs(await api.get<SessionAnswer>('/api/session'));
}

/** Ends the session on the server (DELETE /api/session) and forgets it here, even when the server is gone. */
export function signOutSession(): Promise<void> {
  session.signedIn = false;
  inflight.abort();
  inflight = new AbortController();
  // the cookie may already be dead, or the server gone: the tab is signed out either way
  signingOut = api.delete('/api/session').then(
    () => undefined,
    () => undefined,
  );
  return signingOut;
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
  incidents: (me: Me) => me.roles.some((r) => r === 'designer' || r === 'auditor' || r === 'admin'),
  /** The SLA report (GET /api/reports/sla: permission reports.read). */
  reports: (me: Me) => me.roles.some((r) => r === 'designer' || r === 'auditor' || r === 'admin'),
  /** Designers see the Retry controls too; the server retries only the incidents of processes they own. */
  retryIncidents: (me: Me) => me.roles.some((r) => r === 'designer' || r === 'admin'),
  start: (me: Me) => me.roles.some((r) => r === 'designer' || r === 'agent' || r === 'admin'),
  /** Admins and the agents who schedule changes (GET /api/change-calendar checks the same). */
  changeCalendar: (me: Me) => me.roles.includes('admin') || (me.roles.includes('agent') && me.groups.includes('change-managers')),
};
