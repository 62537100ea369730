/**
 * A process's version history (`#/modeler/history/<processId>`): its versions with who deployed them and
 * when and their instances by state, the diff between two versions, and a version's heatmap.
 */
import { api } from './api';
import { errorText, h, when } from './dom';
import { showHeatmap } from './heatmap';
import { showDiff } from './versionDiff';

interface Version {
  key: string;
  version: number;
  name: string | null;
  deployedAt: string;
  deployedBy: string | null;
  instances: { active: number; completed: number; terminated: number; incident: number };
}

interface Versions {
  processId: string;
  versions: Version[];
  scanned: number;
  truncated: boolean;
}

export function mount(main: HTMLElement, processId: string): { dispose: () => void } {
  const table = h('div', { id: 'versions' });
  const compare = h('div', { id: 'compare' });
  const diffArea = h('div', { id: 'diff' });
  const heatArea = h('div', { id: 'heatmap' });
  /** The viewers shown, per area: a new diff or heatmap replaces the one before. */
  const shown = new Map<HTMLElement, { destroy: () => void }>();
  const drop = (area?: HTMLElement): void => {
    for (const [a, viewer] of shown) {
      if (area && a !== area) continue;
      viewer.destroy();
      shown.delete(a);
    }
  };
  main.append(
    h('p', {}, h('a', { href: '#/modeler' }, '← Modeler')),
    h('h1', { id: 'history-title' }, `Version history of ${processId}`),
    table,
    h('section', { 'aria-labelledby': 'compare-title' }, h('h2', { id: 'compare-title' }, 'Compare two versions'), compare, diffArea),
    h('section', { 'aria-labelledby': 'heatmap-title' }, h('h2', { id: 'heatmap-title' }, 'Heatmap'), heatArea),
  );

  async function run(area: HTMLElement, what: string, work: () => Promise<{ destroy: () => void }>): Promise<void> {
    drop(area);
    area.replaceChildren(h('p', { class: 'loading muted' }, `Loading ${what}…`));
    try {
      shown.set(area, await work());
    } catch (err) {
      area.replaceChildren(
        h('p', { class: 'error', role: 'alert' }, `Could not show ${what}: ${errorText(err)} `),
        h('button', { type: 'button', class: 'secondary', onclick: () => void run(area, what, work) }, 'Retry'),
      );
    }
  }

  function renderCompare(versions: Version[]): void {
    if (versions.length < 2) {
      compare.replaceChildren(h('p', { class: 'muted' }, 'Only one version: nothing to compare yet.'));
      return;
    }
    const options = (selected: number) => versions.map((v) => h('option', { value: v.key, selected: v.version === selected }, `v${v.version}`));
    const from = h('select', { id: 'diff-from' }, options(versions[1].version));
    const to = h('select', { id: 'diff-to' }, options(versions[0].version));
    compare.replaceChildren(
      h(
        'form',
        {
          class: 'toolbar',
          onsubmit: (e: Event) => {
            e.preventDefault();
            void run(diffArea, 'the differences', () => showDiff(diffArea, from.value, to.value));
          },
        },
        h('label', { for: 'diff-from' }, 'From'),
        from,
        h('label', { for: 'diff-to' }, 'to'),
        to,
        h('button', { type: 'submit', id: 'show-diff' }, 'Show differences'),
      ),
    );
  }

  async function load(): Promise<void> {
    table.replaceChildren(h('p', { class: 'loading muted' }, 'Loading versions…'));
    let data: Versions;
    try {
      data = await api.get<Versions>(`/api/processes/${encodeURIComponent(processId)}/versions`);
    } catch (err) {
      table.replaceChildren(
        h('p', { class: 'error', role: 'alert' }, `Could not load the versions: ${errorText(err)} `),
        h('button', { type: 'button', class: 'secondary', id: 'versions-retry', onclick: () => void load() }, 'Retry'),
      );
      return;
    }
    table.replaceChildren(
      h(
        'table',
        { class: 'data', id: 'versions-table' },
        h('caption', { class: 'visually-hidden' }, `Versions of ${processId}, newest first`),
        h(
          'thead',
          {},
          h(
            'tr',
            {},
            ['Version', 'Name', 'Deployed by', 'Deployed at', 'Active', 'Incident', 'Completed', 'Terminated', ''].map((t) => h('th', { scope: 'col' }, t)),
          ),
        ),
        h(
          'tbody',
          {},
          data.versions.map((v) =>
            h(
              'tr',
              { 'data-version': String(v.version) },
              h('td', {}, `v${v.version}`),
              h('td', {}, v.name ?? '—'),
              h('td', {}, v.deployedBy ?? '—'),
              h('td', {}, when(v.deployedAt)),
              h('td', { class: 'count-active' }, String(v.instances.active)),
              h('td', { class: 'count-incident' }, String(v.instances.incident)),
              h('td', { class: 'count-completed' }, String(v.instances.completed)),
              h('td', { class: 'count-terminated' }, String(v.instances.terminated)),
              h(
                'td',
                {},
                h(
                  'button',
                  {
                    type: 'button',
                    class: 'secondary',
                    id: `heatmap-v${v.version}`,
                    onclick: () => void run(heatArea, `the heatmap of v${v.version}`, () => showHeatmap(heatArea, v.key)),
                  },
                  `Heatmap of v${v.version}`,
                ),
              ),
            ),
          ),
        ),
      ),
    );
    if (data.truncated) table.append(h('p', { class: 'muted' }, `Instance counts are of the oldest ${data.scanned} instances (the server's scan limit).`));
    renderCompare(data.versions);
    heatArea.replaceChildren(h('p', { class: 'muted' }, 'Choose a version’s heatmap above.'));
  }

  void load();
  return { dispose: () => drop() };
}
