/** Instances (designer, admin): filtered list; one instance with its diagram, path, variables, incidents. */
import 'bpmn-js/dist/assets/diagram-js.css';
import 'bpmn-js/dist/assets/bpmn-js.css';
import NavigatedViewer from 'bpmn-js/lib/NavigatedViewer';
import type { HistoryEvent, Instance, TicketLink } from '../../api/schemas';
import { api, type Me, qs } from './api';
import { errorText, h, toast, when } from './dom';
import { linkedTickets } from './linkedTickets';
import { loadInto } from './loadState';
import { migrationPanel, moveTokenPanel } from './instanceRepair';

const date = (v: string | number | null | undefined): string => (v === null || v === undefined ? '—' : when(typeof v === 'number' ? new Date(v).toISOString() : v));

export function instanceTable(items: Instance[], link: (i: Instance) => string, id: string): HTMLTableElement {
  return h(
    'table',
    { class: 'data', id },
    h('caption', { class: 'visually-hidden' }, 'Process instances'),
    h(
      'thead',
      {},
      h(
        'tr',
        {},
        ['Instance', 'Process', 'Ticket number / business key', 'State', 'Started', 'Ended'].map((c) => h('th', { scope: 'col' }, c)),
      ),
    ),
    h(
      'tbody',
      {},
      items.length
        ? items.map((i) =>
            h(
              'tr',
              { 'data-instance-id': i.id },
              h('th', { scope: 'row' }, h('a', { href: link(i) }, i.id)),
              h('td', {}, `${i.processId} v${i.version}`),
              h('td', {}, i.businessKey ?? '—'),
              h('td', {}, h('span', { class: `state state-${i.state}` }, i.state)),
              h('td', {}, date(i.startedAt)),
              h('td', {}, date(i.endedAt)),
            ),
          )
        : h('tr', {}, h('td', { colspan: '6', class: 'muted' }, 'No instances match.')),
    ),
  );
}

export function instanceFilters(onSearch: (q: { processId: string; state: string; businessKey: string }) => void, prefix: string): HTMLFormElement {
  const processId = h('input', { id: `${prefix}-process`, type: 'text', autocomplete: 'off' });
  const state = h(
    'select',
    { id: `${prefix}-state` },
    ...[
      ['', 'Any'],
      ['active', 'Active'],
      ['incident', 'Incident'],
      ['completed', 'Completed'],
      ['terminated', 'Terminated'],
    ].map(([v, l]) => h('option', { value: v }, l)),
  );
  const businessKey = h('input', { id: `${prefix}-business-key`, type: 'text', autocomplete: 'off' });
  const form = h(
    'form',
    {
      class: 'filters',
      role: 'search',
      'aria-label': 'Filter instances',
      onsubmit: (e: Event) => {
        e.preventDefault();
        onSearch({ processId: processId.value.trim(), state: state.value, businessKey: businessKey.value.trim() });
      },
    },
    h('div', { class: 'field' }, h('label', { for: processId.id }, 'Process id'), processId),
    h('div', { class: 'field' }, h('label', { for: state.id }, 'State'), state),
    h('div', { class: 'field' }, h('label', { for: businessKey.id }, 'Ticket number / business key'), businessKey),
    h('button', { type: 'submit' }, 'Search'),
  );
  return form;
}

async function listInstances(q: { processId: string; state: string; businessKey: string }): Promise<Instance[]> {
  const { items } = await api.get<{ items: Instance[] }>(`/api/process-instances${qs({ ...q, limit: '200' })}`);
  return items.reverse(); // newest first
}

/**
 * An instance list (newest first) and the search that fills it. Only the newest search renders: the
 * first (unfiltered) answer must not overwrite a later filtered one.
 */
export function instanceSearch(
  resultsId: string,
  tableId: string,
  link: (i: Instance) => string,
): {
  results: HTMLElement;
  search: (q: { processId: string; state: string; businessKey: string }) => Promise<void>;
} {
  const results = h('div', { id: resultsId });
  let latest = 0;
  const search = async (q: { processId: string; state: string; businessKey: string }): Promise<void> => {
    const mine = ++latest;
    await loadInto(
      results,
      () => listInstances(q),
      (items) => instanceTable(items, link, tableId),
      { what: 'instances', current: () => mine === latest },
    );
  };
  return { results, search };
}

/** The diagram of an instance: active elements marked, taken path coloured, completion counts. */
export async function instanceDiagram(container: HTMLElement, instance: Instance, events: HistoryEvent[] | null): Promise<any> {
  const viewer = new NavigatedViewer({ container });
  const xml = await api.text(`/api/processes/${encodeURIComponent(`${instance.processId}:${instance.version}`)}/xml`);
  await viewer.importXML(xml);
  const canvas = viewer.get('canvas') as any;
  const registry = viewer.get('elementRegistry') as any;
  const overlays = viewer.get('overlays') as any;
  canvas.zoom('fit-viewport', 'auto');
  const completed = new Map<string, number>();
  const activated = new Set<string>();
  for (const e of events ?? []) {
    if (!e.elementId) continue;
    if (e.type === 'element.completed') completed.set(e.elementId, (completed.get(e.elementId) ?? 0) + 1);
    if (e.type === 'element.activated' || e.type === 'element.completed') activated.add(e.elementId);
  }
  for (const [id, count] of completed) {
    const el = registry.get(id);
    if (!el || el.waypoints) continue;
    canvas.addMarker(id, 'pd-taken');
    overlays.add(id, 'count', { position: { bottom: 0, left: -8 }, html: h('div', { class: 'pd-count', title: `completed ${count} time(s)` }, String(count)) });
  }
  for (const el of registry.filter((e: any) => e.waypoints && e.type === 'bpmn:SequenceFlow')) {
    const source = el.businessObject.sourceRef?.id;
    const target = el.businessObject.targetRef?.id;
    if (source && target && completed.has(source) && activated.has(target)) canvas.addMarker(el.id, 'pd-taken');
  }
  for (const id of instance.activeElements ?? []) {
    if (registry.get(id)) canvas.addMarker(id, 'pd-active');
  }
  return viewer;
}

export function mount(main: HTMLElement, me: Me, instanceId?: string): { dispose: () => void } {
  let viewer: any;
  if (instanceId) {
    void showInstance(main, me, instanceId).then((v) => {
      viewer = v;
    });
    return { dispose: () => viewer?.destroy() };
  }
  const { results, search } = instanceSearch('instance-results', 'instance-table', (i) => `#/instances/${encodeURIComponent(i.id)}`);
  main.append(
    h(
      'section',
      { 'aria-labelledby': 'instances-title' },
      h('h1', { id: 'instances-title' }, 'Process instances'),
      instanceFilters((q) => void search(q), 'instances'),
      results,
    ),
  );
  void search({ processId: '', state: '', businessKey: '' });
  return { dispose: () => undefined };
}

/** Admins fix an instance's data (e.g. before retrying an incident); the engine records who changed what. */
function variablesEditor(main: HTMLElement, me: Me, instance: Instance): HTMLElement {
  const area = h('textarea', { id: 'set-variables', rows: '3', spellcheck: 'false', placeholder: '{"name": "value"}' });
  const button = h('button', { type: 'button', class: 'secondary', id: 'set-variables-button' }, 'Set variables');
  button.addEventListener('click', async () => {
    let variables: unknown;
    try {
      variables = JSON.parse(area.value || '{}');
    } catch (err) {
      toast(`Not valid JSON: ${errorText(err)}`, 'error');
      return;
    }
    try {
      await api.post(`/api/process-instances/${encodeURIComponent(instance.id)}/variables`, { variables });
      toast('Variables set.');
      main.replaceChildren();
      await showInstance(main, me, instance.id);
    } catch (err) {
      toast(`Could not set variables: ${errorText(err)}`, 'error');
    }
  });
  return h('div', { class: 'field' }, h('label', { for: 'set-variables' }, 'Set variables (JSON, recorded in the history)'), area, button);
}

async function showInstance(main: HTMLElement, me: Me, id: string): Promise<any> {
  const title = h('h1', { id: 'instance-title' }, `Instance ${id}`);
  // a figure, not an img: the bpmn-js canvas inside takes the keyboard focus (an img may hold no control)
  const diagram = h('div', { class: 'viewer', id: 'instance-diagram', role: 'figure', 'aria-label': 'Process diagram with the taken path' });
  const facts = h('dl', { class: 'facts' });
  const vars = h('div', { id: 'instance-variables' });
  const incidents = h('div', { id: 'instance-incidents' });
  const children = h('div', { id: 'instance-children' });
  const links = linkedTickets(
    id,
    (other) => `#/instances/${encodeURIComponent(other)}`,
    false,
    () => undefined,
  );
  const repair = h('div', { id: 'instance-repair' });
  const actions = h('div', { class: 'toolbar' });
  main.append(
    h('p', {}, h('a', { href: '#/instances' }, '← All instances')),
    title,
    actions,
    h(
      'div',
      { class: 'instance-layout' },
      diagram,
      h(
        'div',
        { class: 'instance-side' },
        facts,
        h('section', { 'aria-labelledby': 'vars-title' }, h('h2', { id: 'vars-title' }, 'Variables'), vars),
        h('section', { 'aria-labelledby': 'incidents-title' }, h('h2', { id: 'incidents-title' }, 'Incidents'), incidents),
        h('section', { 'aria-labelledby': 'children-title' }, h('h2', { id: 'children-title' }, 'Called instances'), children),
        links.el,
        repair,
      ),
    ),
    h('p', { class: 'legend' }, h('span', { class: 'swatch active' }), ' active ', h('span', { class: 'swatch taken' }), ' taken path; numbers: times completed'),
  );
  let instance: Instance;
  try {
    instance = await api.get<Instance>(`/api/process-instances/${encodeURIComponent(id)}`);
  } catch (err) {
    main.append(h('p', { class: 'error', role: 'alert' }, errorText(err)));
    return undefined;
  }
  title.textContent = `${instance.processId} v${instance.version} — ${instance.businessKey ?? instance.id}`;
  document.title = `${instance.businessKey ?? instance.id} · Instances · ProcessDesk`;
  facts.append(
    h('dt', {}, 'State'),
    h('dd', { id: 'instance-state' }, h('span', { class: `state state-${instance.state}` }, instance.state)),
    h('dt', {}, 'Business key (ticket number)'),
    h('dd', {}, instance.businessKey ?? '—'),
    h('dt', {}, 'Started'),
    h('dd', {}, date(instance.startedAt)),
    h('dt', {}, 'Ended'),
    h('dd', {}, date(instance.endedAt)),
    h('dt', {}, 'Active elements'),
    h('dd', {}, (instance.activeElements ?? []).join(', ') || '—'),
  );
  if (instance.parentInstanceId) {
    facts.append(
      h('dt', {}, 'Called by'),
      h('dd', {}, h('a', { id: 'instance-parent', href: `#/instances/${encodeURIComponent(instance.parentInstanceId)}` }, instance.parentInstanceId)),
    );
  }
  try {
    // what its call activities started (approvals): each one is an instance of its own
    const called = (await api.get<{ items: Instance[] }>(`/api/process-instances${qs({ parentInstanceId: id, limit: '200' })}`)).items;
    children.append(
      called.length
        ? h(
            'ul',
            { class: 'children' },
            called.map((c) =>
              h(
                'li',
                {},
                h('a', { href: `#/instances/${encodeURIComponent(c.id)}`, 'data-child-id': c.id }, c.processId),
                ' ',
                h('span', { class: `state state-${c.state}` }, c.state),
                ` started ${date(c.startedAt)}`,
              ),
            ),
          )
        : h('p', { class: 'muted' }, 'None.'),
    );
  } catch (err) {
    children.append(h('p', { class: 'muted' }, `Called instances unavailable: ${errorText(err)}`));
  }
  try {
    links.show((await api.get<{ items: TicketLink[] }>(`/api/process-instances/${encodeURIComponent(id)}/links`)).items);
  } catch (err) {
    links.el.append(h('p', { class: 'muted' }, `Linked tickets unavailable: ${errorText(err)}`));
  }
  const entries = Object.entries(instance.variables ?? {});
  vars.append(
    entries.length
      ? h(
          'table',
          { class: 'data compact' },
          h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, 'Name'), h('th', { scope: 'col' }, 'Value'))),
          h(
            'tbody',
            {},
            entries.map(([k, v]) => h('tr', {}, h('th', { scope: 'row' }, k), h('td', {}, h('code', {}, JSON.stringify(v))))),
          ),
        )
      : h('p', { class: 'muted' }, 'No variables.'),
  );
  const allowed = new Set(instance.allowedActions ?? []);
  if (allowed.has('setVariables')) vars.append(variablesEditor(main, me, instance));
  if (allowed.has('cancel')) {
    actions.append(
      h(
        'button',
        {
          type: 'button',
          class: 'danger',
          id: 'cancel-instance',
          onclick: async () => {
            if (!confirm(`Cancel instance ${instance.id}?`)) return;
            try {
              await api.post(`/api/process-instances/${encodeURIComponent(instance.id)}/cancel`, {});
              toast('Instance canceled.');
              main.replaceChildren();
              await showInstance(main, me, id);
            } catch (err) {
              toast(`Could not cancel: ${errorText(err)}`, 'error');
            }
          },
        },
        'Cancel instance',
      ),
    );
  }
  try {
    const { items } = await api.get<{ items: { id: string; elementId: string; type: string; message: string; state: string; createdAt: string }[] }>(
      `/api/incidents${qs({ processInstanceId: id })}`,
    );
    incidents.append(
      items.length
        ? h(
            'ul',
            { class: 'incidents' },
            items.map((i) =>
              h(
                'li',
                { class: `incident ${i.state}` },
                h('strong', {}, i.elementId),
                ` ${i.type}: ${i.message} (${i.state}, ${when(i.createdAt)}) `,
                i.state === 'open' && allowed.has('resolveIncidents')
                  ? h(
                      'button',
                      {
                        type: 'button',
                        class: 'secondary',
                        onclick: async () => {
                          try {
                            await api.post(`/api/incidents/${encodeURIComponent(i.id)}/resolve`, {});
                            toast('Incident resolved; the element is retried.');
                            main.replaceChildren();
                            await showInstance(main, me, id);
                          } catch (err) {
                            toast(`Could not resolve: ${errorText(err)}`, 'error');
                          }
                        },
                      },
                      'Retry',
                    )
                  : null,
              ),
            ),
          )
        : h('p', { class: 'muted' }, 'No incidents.'),
    );
  } catch (err) {
    incidents.append(h('p', { class: 'muted' }, `Incidents unavailable: ${errorText(err)}`));
  }
  let events: HistoryEvent[] | null;
  try {
    events = (await api.get<{ events: HistoryEvent[] }>(`/api/process-instances/${encodeURIComponent(id)}/history`)).events;
  } catch {
    events = null;
  }
  let viewer: any;
  try {
    viewer = await instanceDiagram(diagram, instance, events);
  } catch (err) {
    diagram.append(h('p', { class: 'error', role: 'alert' }, `Diagram unavailable: ${errorText(err)}`));
  }
  const reload = async (): Promise<void> => {
    viewer?.destroy();
    main.replaceChildren();
    await showInstance(main, me, id);
  };
  if (allowed.has('migrate')) {
    try {
      repair.append(await migrationPanel(instance, reload));
    } catch (err) {
      repair.append(h('p', { class: 'muted' }, `Migration unavailable: ${errorText(err)}`));
    }
  }
  if (allowed.has('modify')) {
    const registry = viewer?.get('elementRegistry');
    const ids: string[] = registry
      ? registry
          .filter((e: any) => !e.waypoints && e.type !== 'label' && /^bpmn:(.*Task|.*Event|.*Gateway|SubProcess|CallActivity|Transaction)$/.test(e.type))
          .map((e: any) => e.id)
      : [];
    repair.append(moveTokenPanel(instance, ids.sort(), reload));
  }
  return viewer;
}
