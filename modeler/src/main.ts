/** ProcessDesk web app: sign-in, role-aware navigation and the hash router. */
import './style.css';
import { api, can, DEMO_USERS, demoMode, errorText, type Me, session, whoAmI } from './app-core';
import { h } from './dom';

type View = { dispose?: () => void };
type Route = { path: string; label: string; allowed: (me: Me) => boolean; load: () => Promise<{ mount: (main: HTMLElement, me: Me, arg?: string) => View | Promise<View> }> };

const ROUTES: Route[] = [
  { path: 'modeler', label: 'Modeler', allowed: can.design, load: () => import('./modelerView') },
  { path: 'tasks', label: 'Tasks', allowed: can.work, load: () => import('./tasksView') },
  { path: 'instances', label: 'Instances', allowed: can.instances, load: () => import('./instancesView') },
  { path: 'audit', label: 'Audit', allowed: can.audit, load: () => import('./auditView') },
];

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
    list.append(h('li', {}, h('a', { href: `#/${r.path}`, 'aria-current': r.path === active ? 'page' : undefined }, r.label)));
  }
  nav.append(list);
  who.append(
    h('span', { class: 'user', 'data-testid': 'current-user' }, `${me.id} (${me.roles.join(', ')})`),
    h('button', { type: 'button', class: 'secondary', onclick: () => signOut() }, 'Sign out'),
  );
}

function signOut(message?: string): void {
  current?.dispose?.();
  current = null;
  session.token = null;
  me = null;
  renderNav();
  if (location.hash !== '#/signin') history.replaceState(null, '', '#/signin');
  signInView(mainEl(), message);
}

// a token that stops being accepted (expired, revoked) leads back to the sign-in page
window.addEventListener('processdesk:unauthorized', () => {
  if (me) signOut('Your session ended: the token is no longer accepted. Please sign in again.');
});

function signInView(main: HTMLElement, message?: string): void {
  const input = h('input', { id: 'token', name: 'token', type: 'password', autocomplete: 'off', required: true });
  const error = h('p', { class: 'error', role: 'alert' }, message ?? '');
  const submit = async (token: string): Promise<void> => {
    error.textContent = '';
    session.token = token;
    try {
      me = await whoAmI();
      const first = ROUTES.find((r) => r.allowed(me!));
      const target = first ? `#/${first.path}` : '#/';
      if (location.hash === target) await route();
      else location.hash = target; // hashchange routes
      mainEl().focus();
    } catch (err) {
      session.token = null;
      me = null;
      error.textContent = `Sign-in failed: ${errorText(err)}`;
      input.select();
      input.focus();
    }
  };
  const form = h('form', { class: 'signin-form', onsubmit: (e: Event) => { e.preventDefault(); void submit(input.value.trim()); } },
    h('h1', {}, 'Sign in to ProcessDesk'),
    h('div', { class: 'field' }, h('label', { for: 'token' }, 'Access token'), input),
    h('button', { type: 'submit' }, 'Sign in'),
    error,
  );
  const demo = h('section', { class: 'demo-users', 'aria-labelledby': 'demo-title' },
    h('h2', { id: 'demo-title' }, 'Demo users'),
    h('p', {}, 'In demo mode these tokens are accepted (refused in production):'),
    h('ul', {}, DEMO_USERS.map((u) => h('li', {},
      h('button', { type: 'button', class: 'secondary', 'data-user': u.id, onclick: () => void submit(`demo-${u.id}`) }, `Sign in as ${u.id}`),
      ` ${u.roles.join(', ')}${u.groups.length ? ` — groups: ${u.groups.join(', ')}` : ''} (token `, h('code', {}, `demo-${u.id}`), ')',
    ))),
  );
  demo.hidden = true;
  main.replaceChildren(h('div', { class: 'signin' }, form, demo));
  void demoMode().then((on) => {
    demo.hidden = !on;
  });
}

let routeSeq = 0;

async function route(): Promise<void> {
  const seq = ++routeSeq;
  current?.dispose?.();
  current = null;
  const main = mainEl();
  main.className = '';
  if (!me && session.token) {
    try {
      me = await whoAmI();
    } catch {
      session.token = null;
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
    current = await mod.mount(main, me, rest.length ? decodeURIComponent(rest.join('/')) : undefined);
    document.title = `${r.label} · ProcessDesk`;
  } catch (err) {
    main.replaceChildren(h('p', { class: 'error', role: 'alert' }, `Could not open ${r.label}: ${errorText(err)}`));
  }
}

window.addEventListener('hashchange', () => void route());
void api; // keep the client in the main chunk
void route();
