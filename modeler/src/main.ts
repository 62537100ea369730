/** ProcessDesk web app: sign-in, role-aware navigation and the hash router. */
import './style.css';
import { api, can, currentSession, DEMO_USERS, demoMode, errorText, type Me, signInWith, signOutSession } from './app-core';
import { h } from './dom';
import { showTaskBadge } from './taskBadge';

/** A mounted page; `mayLeave` answers false (after asking the user) to stay, e.g. over unsaved changes. */
type View = { dispose?: () => void; mayLeave?: () => boolean };
type Route = { path: string; label: string; allowed: (me: Me) => boolean; load: () => Promise<{ mount: (main: HTMLElement, me: Me, arg?: string) => View | Promise<View> }> };

const ROUTES: Route[] = [
  { path: 'modeler', label: 'Modeler', allowed: can.design, load: () => import('./modelerView') },
  // agents land on Tasks, their day's work (the first page a role may open is where sign-in leads)
  { path: 'tasks', label: 'Tasks', allowed: can.work, load: () => import('./tasksView') },
  { path: 'tickets', label: 'Tickets', allowed: can.work, load: () => import('./ticketView') },
  { path: 'new', label: 'New', allowed: can.start, load: () => import('./newTicket') },
  { path: 'instances', label: 'Instances', allowed: can.instances, load: () => import('./instancesView') },
  { path: 'audit', label: 'Audit', allowed: can.audit, load: () => import('./auditView') },
  { path: 'incidents', label: 'Incidents', allowed: can.incidents, load: () => import('./incidentsView') },
  { path: 'change-calendar', label: 'Change calendar', allowed: can.changeCalendar, load: () => import('./changeCalendarView') },
  { path: 'sla', label: 'SLA report', allowed: can.reports, load: () => import('./slaReportView') },
];

/** The open incidents in the navigation's badge (hidden when there are none or they cannot be read). */
async function countIncidents(badge: HTMLElement): Promise<void> {
  try {
    const { items } = await api.get<{ items: unknown[] }>('/api/incidents?state=open');
    // no count, not even a hidden 0, when nothing is open: the link then reads just "Incidents"
    badge.textContent = items.length ? String(items.length) : '';
    badge.hidden = items.length === 0;
  } catch {
    badge.textContent = '';
    badge.hidden = true;
  }
}

let me: Me | null = null;
let current: View | null = null;

function mainEl(): HTMLElement {
  return document.getElementById('main')!;
}

function renderNav(): void {
  const nav = document.getElementById('nav')!;
  const who = document.getElementById('who')!;
  nav.replaceChildren();
  who.replaceChildren();
  if (!me) return;
  const active = location.hash.replace(/^#\/?/, '').split('/')[0];
  const list = h('ul', {});
  for (const r of ROUTES.filter((r) => r.allowed(me!))) {
    const badge = r.path === 'incidents' ? h('span', { class: 'nav-badge', id: 'incident-count', hidden: true }) : null;
    const link = h('a', { href: `#/${r.path}`, 'aria-current': r.path === active ? 'page' : undefined }, r.label, badge);
    if (r.path === 'tasks') showTaskBadge(link);
    list.append(h('li', {}, link));
    if (badge) void countIncidents(badge);
  }
  nav.append(list);
  who.append(
    h('span', { class: 'user', 'data-testid': 'current-user' }, `${me.id} (${me.roles.join(', ')})`),
    h('button', { type: 'button', class: 'secondary', onclick: () => signOut() }, 'Sign out'),
  );
}

/** Bumped by each navigation and by sign-out: a route whose number is no longer current draws nothing. */
let routeSeq = 0;
/** Why the last sign-out happened, for a sign-in form drawn again after a late view was discarded. */
let signedOutMessage: string | undefined;

function signOut(message?: string): void {
  if (message === undefined && current?.mayLeave && !current.mayLeave()) return;
  routeSeq++; // a page still loading (its code, or the modeler's first answers) must not draw over the sign-in form
  current?.dispose?.();
  current = null;
  me = null;
  renderNav();
  signedOutMessage = message;
  if (location.hash !== '#/signin') history.replaceState(null, '', '#/signin');
  void signOutSession(); // a sign-in on the page below waits for it (api.ts)
  signInView(mainEl(), message);
}

// a bulk retry changed what is open
window.addEventListener('processdesk:incidents-changed', () => {
  const badge = document.getElementById('incident-count');
  if (badge) void countIncidents(badge);
});

// a session that stops being accepted (expired, signed out in another tab, token revoked) leads back to the sign-in page
window.addEventListener('processdesk:unauthorized', () => {
  if (me) signOut('Your session ended. Please sign in again.');
});

/** Where to go after sign-in: the page asked for (a deep link such as #/tasks/<id>), else the role's first page. */
function targetAfterSignIn(): string {
  const asked = location.hash;
  if (asked && asked !== '#/' && asked !== '#/signin') return asked;
  const first = ROUTES.find((r) => r.allowed(me!));
  return first ? `#/${first.path}` : '#/';
}

function signInView(main: HTMLElement, message?: string): void {
  const input = h('input', { id: 'token', name: 'token', type: 'password', autocomplete: 'off', required: true });
  const error = h('p', { class: 'error', role: 'alert' }, message ?? '');
  const submit = async (token: string): Promise<void> => {
    error.textContent = '';
    try {
      me = await signInWith(token);
      const target = targetAfterSignIn();
      if (location.hash === target) await route();
      else location.hash = target; // hashchange routes
      mainEl().focus();
    } catch (err) {
      me = null;
      error.textContent = `Sign-in failed: ${errorText(err)}`;
      input.select();
      input.focus();
    }
  };
  const form = h(
    'form',
    {
      class: 'signin-form',
      onsubmit: (e: Event) => {
        e.preventDefault();
        void submit(input.value.trim());
      },
    },
    h('h1', {}, 'Sign in to ProcessDesk'),
    h('div', { class: 'field' }, h('label', { for: 'token' }, 'Access token'), input),
    h('button', { type: 'submit' }, 'Sign in'),
    error,
  );
  const demo = h(
    'section',
    { class: 'demo-users', 'aria-labelledby': 'demo-title' },
    h('h2', { id: 'demo-title' }, 'Demo users'),
    h('p', {}, 'In demo mode these tokens are accepted (refused in production):'),
    h(
      'ul',
      {},
      DEMO_USERS.map((u) =>
        h(
          'li',
          {},
          h('button', { type: 'button', class: 'secondary', 'data-user': u.id, onclick: () => void submit(`demo-${u.id}`) }, `Sign in as ${u.id}`),
          ` ${u.roles.join(', ')}${u.groups.length ? ` — groups: ${u.groups.join(', ')}` : ''} (token `,
          h('code', {}, `demo-${u.id}`),
          ')',
        ),
      ),
    ),
  );
  demo.hidden = true;
  main.replaceChildren(h('div', { class: 'signin' }, form, demo));
  void demoMode().then((on) => {
    demo.hidden = !on;
  });
}

async function route(): Promise<void> {
  const seq = ++routeSeq;
  current?.dispose?.();
  current = null;
  const main = mainEl();
  main.className = '';
  if (!me) {
    try {
      me = await currentSession(); // the session cookie this browser already has (another tab, an earlier visit)
    } catch {
      me = null;
    }
    if (seq !== routeSeq) return;
  }
  renderNav();
  if (!me) {
    signInView(main);
    return;
  }
  const [path, ...rest] = location.hash.replace(/^#\/?/, '').split('/');
  const allowed = ROUTES.filter((r) => r.allowed(me!));
  const r = allowed.find((x) => x.path === path);
  if (!r) {
    if (allowed.length) location.hash = `#/${allowed[0].path}`;
    else main.replaceChildren(h('p', {}, 'Your role has no page in this app.'));
    return;
  }
  main.className = `view-${r.path}`;
  main.replaceChildren(h('p', { class: 'loading' }, 'Loading…'));
  try {
    const mod = await r.load();
    if (seq !== routeSeq) return; // a newer navigation won
    main.replaceChildren();
    const view = await mod.mount(main, me, rest.length ? decodeURIComponent(rest.join('/')) : undefined);
    if (seq !== routeSeq) {
      // signed out (or navigated away) while the view mounted: it is not the page shown
      view?.dispose?.();
      if (!me) signInView(main, signedOutMessage);
      return;
    }
    current = view;
    document.title = `${r.label} · ProcessDesk`;
  } catch (err) {
    if (seq !== routeSeq) return; // the page was left before it failed to open
    main.replaceChildren(h('p', { class: 'error', role: 'alert' }, `Could not open ${r.label}: ${errorText(err)}`));
  }
}

/** The hash of the page shown, to go back to when its view refuses to be left. */
let shownHash = location.hash;
window.addEventListener('hashchange', () => {
  if (current?.mayLeave && !current.mayLeave()) {
    history.replaceState(null, '', shownHash);
    return;
  }
  shownHash = location.hash;
  void route();
});
void route();
