/**
 * Versions in flight on the instance page: an owner moves the instance to a newer version of its
 * process (checked first, with the mapping shown and editable), an administrator moves a stuck token.
 * The server decides and records both; these panels only ask and show what it answered.
 */
import { api } from './api';
import { errorText, h, toast } from './dom';

interface InstanceRef {
  id: string;
  processId: string;
  version: number;
  activeElements: string[];
}

interface MigrationReport {
  inUse: string[];
  from: string;
  to: string;
  mapping: Record<string, string>;
  problems: string[];
  migrated: boolean;
}

const path = (instance: InstanceRef, action: string): string => `/api/process-instances/${encodeURIComponent(instance.id)}/${action}`;

/** "Migrate": pick a newer version, check (dry run), adjust the mapping, migrate. */
export async function migrationPanel(instance: InstanceRef, reload: () => Promise<void>): Promise<HTMLElement> {
  const { latestVersion } = await api.get<{ latestVersion: number }>(`/api/processes/${encodeURIComponent(`${instance.processId}:${instance.version}`)}`);
  const target = h(
    'select',
    { id: 'migrate-target' },
    ...Array.from({ length: Math.max(0, latestVersion - instance.version) }, (_, i) => latestVersion - i).map((v) => h('option', { value: `${instance.processId}:${v}` }, `v${v}`)),
  );
  const mappingBox = h('div', { id: 'migrate-mapping' });
  const problems = h('ul', { id: 'migrate-problems', class: 'problems', role: 'alert' });
  const migrate = h('button', { type: 'button', class: 'danger', id: 'migrate-run', disabled: true }, 'Migrate');
  let inputs: Record<string, HTMLInputElement> = {};

  const instructions = () =>
    Object.entries(inputs)
      .filter(([source, input]) => input.value.trim() && input.value.trim() !== source)
      .map(([sourceElementId, input]) => ({ sourceElementId, targetElementId: input.value.trim() }));

  const check = async (): Promise<void> => {
    try {
      const report = await api.post<MigrationReport>(path(instance, 'migration'), { targetDefinitionKey: target.value, mappingInstructions: instructions(), dryRun: true });
      const ids = report.inUse;
      inputs = Object.fromEntries(
        ids.map((source) => [source, h('input', { type: 'text', id: `migrate-to-${source}`, value: report.mapping[source] ?? inputs[source]?.value ?? '', autocomplete: 'off' })]),
      );
      mappingBox.replaceChildren(
        h(
          'table',
          { class: 'data compact' },
          h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, `In use (${report.from})`), h('th', { scope: 'col' }, `Becomes (${report.to})`))),
          h(
            'tbody',
            {},
            ids.map((source) => h('tr', {}, h('th', { scope: 'row' }, h('label', { for: `migrate-to-${source}` }, source)), h('td', {}, inputs[source]))),
          ),
        ),
      );
      problems.replaceChildren(...report.problems.map((p) => h('li', {}, p)));
      migrate.disabled = report.problems.length > 0;
    } catch (err) {
      problems.replaceChildren(h('li', {}, errorText(err)));
      migrate.disabled = true;
    }
  };

  migrate.addEventListener('click', async () => {
    if (!confirm(`Move instance ${instance.id} to ${target.value}?`)) return;
    try {
      await api.post(path(instance, 'migration'), { targetDefinitionKey: target.value, mappingInstructions: instructions() });
      toast(`Instance now runs ${target.value}.`);
      await reload();
    } catch (err) {
      toast(`Could not migrate: ${errorText(err)}`, 'error');
    }
  });
  target.addEventListener('change', () => {
    inputs = {};
    void check();
  });
  void check();
  return h(
    'section',
    { 'aria-labelledby': 'migrate-title', id: 'instance-migrate' },
    h('h2', { id: 'migrate-title' }, 'Migrate to a newer version'),
    h('div', { class: 'field' }, h('label', { for: target.id }, 'Target version'), target),
    mappingBox,
    h('button', { type: 'button', class: 'secondary', id: 'migrate-check', onclick: () => void check() }, 'Check mapping'),
    problems,
    migrate,
  );
}

/** "Move token" (administrators): terminate what stands on one element, activate another. */
export function moveTokenPanel(instance: InstanceRef, elementIds: string[], reload: () => Promise<void>): HTMLElement {
  const from = h(
    'select',
    { id: 'move-from' },
    h('option', { value: '' }, '(none: only add a token)'),
    ...[...new Set(instance.activeElements)].map((id) => h('option', { value: id }, id)),
  );
  const list = h('datalist', { id: 'move-elements' }, ...elementIds.map((id) => h('option', { value: id })));
  const to = h('input', { id: 'move-to', type: 'text', list: 'move-elements', autocomplete: 'off' });
  const vars = h('textarea', { id: 'move-variables', rows: '2', spellcheck: 'false', placeholder: '{"reason": "done by phone"}' });
  const run = h('button', { type: 'button', class: 'danger', id: 'move-run' }, 'Move token');
  run.addEventListener('click', async () => {
    let variables: Record<string, unknown> | undefined;
    try {
      variables = vars.value.trim() ? JSON.parse(vars.value) : undefined;
    } catch (err) {
      toast(`Not valid JSON: ${errorText(err)}`, 'error');
      return;
    }
    const body = {
      activateInstructions: to.value.trim() ? [{ elementId: to.value.trim(), ...(variables ? { variables } : {}) }] : [],
      terminateInstructions: from.value ? [{ elementId: from.value }] : [],
    };
    try {
      await api.post(path(instance, 'modification'), body);
      toast(`Moved: ${from.value || '—'} → ${to.value.trim() || '—'}.`);
      await reload();
    } catch (err) {
      toast(`Could not move the token: ${errorText(err)}`, 'error');
    }
  });
  return h(
    'section',
    { 'aria-labelledby': 'move-title', id: 'instance-move' },
    h('h2', { id: 'move-title' }, 'Move token'),
    h('div', { class: 'field' }, h('label', { for: from.id }, 'Terminate the token on'), from),
    h('div', { class: 'field' }, h('label', { for: to.id }, 'Activate'), to, list),
    h('div', { class: 'field' }, h('label', { for: vars.id }, 'Variables for its scope (JSON, optional)'), vars),
    run,
  );
}
