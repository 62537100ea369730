/** Modeler (designer, admin): bpmn-js Modeler with the zeebe properties panel, lint overlays, deploy. */
import 'bpmn-js/dist/assets/diagram-js.css';
import 'bpmn-js/dist/assets/bpmn-js.css';
import 'bpmn-js/dist/assets/bpmn-font/css/bpmn-embedded.css';
import '@bpmn-io/properties-panel/dist/assets/properties-panel.css';
import BpmnModeler from 'bpmn-js/lib/Modeler';
import { BpmnPropertiesPanelModule, BpmnPropertiesProviderModule, ZeebePropertiesProviderModule } from 'bpmn-js-properties-panel';
import ZeebeBehaviorsModule from 'camunda-bpmn-js-behaviors/lib/camunda-cloud';
import zeebeModdle from 'zeebe-bpmn-moddle/resources/zeebe.json';
import { api, ApiError, type ErrorDetail, type Me } from './api';
import { download, errorText, field, h, toast } from './dom';
import { lintDefinitions, type LintIssue } from './lint';
import { newDiagramXml } from './newDiagram';

declare global {
  interface Window {
    __modeler?: any;
  }
}

export function mount(main: HTMLElement, _me: Me): { dispose: () => void } {
  const processSelect = h('select', { id: 'open-process' }, h('option', { value: '' }, 'Deployed processes…'));
  const fileInput = h('input', { id: 'import-file', type: 'file', accept: '.bpmn,.xml', class: 'visually-hidden' });
  const formsInput = h('input', { id: 'attach-forms', type: 'file', accept: '.form,.json', multiple: true, class: 'visually-hidden' });
  const formsLabel = h('span', { class: 'muted', id: 'attached-forms' }, '');
  const status = h('div', { class: 'status', role: 'status', 'aria-live': 'polite', id: 'modeler-status' });
  const problems = h('ul', { class: 'problems', id: 'problems', 'aria-label': 'Problems' });
  const problemsCount = h('span', { id: 'problems-count' }, '');
  const canvas = h('div', { class: 'canvas', id: 'canvas', role: 'application', 'aria-label': 'BPMN diagram editor' });
  const panel = h('div', { class: 'properties', id: 'properties', role: 'complementary', 'aria-label': 'Properties' });
  let fileName = 'diagram.bpmn';

  const toolbar = h('div', { class: 'toolbar', role: 'toolbar', 'aria-label': 'Diagram actions' },
    h('button', { type: 'button', id: 'new-diagram', onclick: () => void open(newDiagramXml(), 'diagram.bpmn') }, 'New'),
    h('label', { class: 'visually-hidden', for: 'open-process' }, 'Open a deployed process'),
    processSelect,
    h('label', { class: 'button secondary', for: 'import-file', tabindex: '0', onkeydown: (e: KeyboardEvent) => { if (e.key === 'Enter' || e.key === ' ') { e.preventDefault(); fileInput.click(); } } }, 'Import .bpmn'),
    fileInput,
    h('button', { type: 'button', class: 'secondary', id: 'export-diagram', onclick: () => void exportXml() }, 'Export .bpmn'),
    h('button', { type: 'button', class: 'secondary', id: 'export-svg', onclick: () => void exportSvg() }, 'Export .svg'),
    h('label', { class: 'button secondary', for: 'attach-forms', tabindex: '0', onkeydown: (e: KeyboardEvent) => { if (e.key === 'Enter' || e.key === ' ') { e.preventDefault(); formsInput.click(); } } }, 'Attach forms'),
    formsInput,
    formsLabel,
    h('button', { type: 'button', id: 'deploy', onclick: () => void deploy() }, 'Deploy'),
  );
  main.append(
    h('h1', { class: 'visually-hidden' }, 'Modeler'),
    toolbar,
    h('div', { class: 'modeler-layout' },
      canvas,
      panel,
    ),
    h('section', { class: 'problems-panel', 'aria-labelledby': 'problems-title' },
      h('h2', { id: 'problems-title' }, 'Problems ', problemsCount),
      problems,
    ),
    status,
  );

  const modeler = new BpmnModeler({
    container: canvas,
    propertiesPanel: { parent: panel },
    additionalModules: [BpmnPropertiesPanelModule, BpmnPropertiesProviderModule, ZeebePropertiesProviderModule, ZeebeBehaviorsModule],
    moddleExtensions: { zeebe: zeebeModdle },
  });
  window.__modeler = modeler;
  const overlays = modeler.get('overlays') as any;
  const registry = modeler.get('elementRegistry') as any;
  const canvasService = modeler.get('canvas') as any;
  let deployProblems: ErrorDetail[] = [];
  let lintIssues: LintIssue[] = [];
  let lintTimer: number | undefined;
  let disposed = false;

  const say = (text: string, kind: 'info' | 'error' = 'info'): void => {
    status.textContent = text;
    status.className = `status ${kind}`;
  };

  function selectElement(id: string): void {
    const el = registry.get(id);
    if (!el) return;
    (modeler.get('selection') as any).select(el);
    canvasService.scrollToElement?.(el);
  }

  function renderProblems(): void {
    overlays.remove({ type: 'lint' });
    overlays.remove({ type: 'deploy' });
    problems.replaceChildren();
    const root = canvasService.getRootElement();
    const all: { id?: string; message: string; category: string; source: string }[] = [
      ...deployProblems.map((d) => ({ id: d.elementId, message: d.message ?? 'problem', category: 'error', source: 'deploy' })),
      ...lintIssues.map((i) => ({ id: i.id, message: `${i.message} (${i.rule})`, category: i.category, source: 'lint' })),
    ];
    const rank = (p: { category: string; source: string }): number => (p.source === 'deploy' ? 0 : p.category === 'error' ? 1 : 2);
    all.sort((a, b) => rank(a) - rank(b));
    const byElement = new Map<string, typeof all>();
    for (const p of all) {
      const el = p.id ? registry.get(p.id) : undefined;
      const name = el?.businessObject?.name ? `${el.businessObject.name} (${p.id})` : p.id || (p.source === 'lint' ? 'diagram' : 'deployment');
      const item = h('li', { class: `problem ${p.category}`, 'data-source': p.source },
        h('span', { class: 'badge' }, p.source === 'deploy' ? 'deploy' : p.category),
        ' ',
        el ? h('button', { type: 'button', class: 'link', onclick: () => selectElement(p.id!) }, name) : h('strong', {}, name),
        `: ${p.message}`,
      );
      problems.append(item);
      if (el && el !== root && !el.labelTarget) {
        const list = byElement.get(p.id!) ?? [];
        list.push(p);
        byElement.set(p.id!, list);
      }
    }
    for (const [id, list] of byElement) {
      const deployError = list.some((p) => p.source === 'deploy');
      const error = list.some((p) => p.category === 'error');
      const html = h('div', {
        class: `pd-issue ${deployError ? 'deploy-error' : error ? 'lint-error' : 'lint-warn'}`,
        title: list.map((p) => p.message).join('\n'),
        'data-element-id': id,
      }, deployError ? '!' : String(list.length));
      overlays.add(id, deployError ? 'deploy' : 'lint', { position: { top: -10, right: 10 }, html });
    }
    problemsCount.textContent = `(${all.length})`;
    if (!all.length) problems.append(h('li', { class: 'problem none' }, 'No problems found.'));
  }

  let lintRun = 0;
  async function lint(): Promise<void> {
    const run = ++lintRun;
    let issues: LintIssue[];
    try {
      issues = await lintDefinitions(modeler.getDefinitions());
    } catch (err) {
      issues = [{ id: '', rule: 'lint-failure', message: `the linter failed: ${errorText(err)}`, category: 'error' }];
    }
    if (run !== lintRun || disposed) return; // a newer run is on its way
    lintIssues = issues;
    renderProblems();
  }

  async function open(xml: string, name: string): Promise<void> {
    try {
      const { warnings } = await modeler.importXML(xml);
      fileName = name;
      deployProblems = [];
      canvasService.zoom('fit-viewport', 'auto');
      await lint();
      say(`Opened ${name}${warnings.length ? ` with ${warnings.length} import warning(s)` : ''}.`);
    } catch (err) {
      say(`Could not open ${name}: ${errorText(err)}`, 'error');
    }
  }

  async function loadProcesses(): Promise<void> {
    try {
      const { items } = await api.get<{ items: { key: string; processId: string; version: number; name: string | null; resourceName: string }[] }>('/api/processes');
      processSelect.replaceChildren(h('option', { value: '' }, items.length ? 'Open a deployed process…' : 'No deployed processes'));
      for (const p of items) processSelect.append(h('option', { value: p.key, 'data-resource': p.resourceName }, `${p.name ?? p.processId} (v${p.version})`));
    } catch (err) {
      say(`Could not list processes: ${errorText(err)}`, 'error');
    }
  }

  processSelect.addEventListener('change', async () => {
    const key = processSelect.value;
    if (!key) return;
    try {
      const xml = await api.text(`/api/processes/${encodeURIComponent(key)}/xml`);
      await open(xml, processSelect.selectedOptions[0]?.dataset.resource || `${key.split(':')[0]}.bpmn`);
    } catch (err) {
      say(`Could not open ${key}: ${errorText(err)}`, 'error');
    }
  });

  fileInput.addEventListener('change', async () => {
    const file = fileInput.files?.[0];
    if (!file) return;
    await open(await file.text(), file.name);
    fileInput.value = '';
  });

  let forms: { name: string; content: string }[] = [];
  formsInput.addEventListener('change', async () => {
    forms = await Promise.all([...(formsInput.files ?? [])].map(async (f) => ({ name: f.name.endsWith('.form') || f.name.endsWith('.form.json') ? f.name : `${f.name.replace(/\.json$/, '')}.form`, content: await f.text() })));
    formsLabel.textContent = forms.length ? `${forms.length} form(s): ${forms.map((f) => f.name).join(', ')}` : '';
  });

  async function exportXml(): Promise<void> {
    const { xml } = await modeler.saveXML({ format: true });
    download(fileName.endsWith('.bpmn') ? fileName : `${fileName}.bpmn`, xml ?? '', 'application/xml');
  }

  async function exportSvg(): Promise<void> {
    const { svg } = await modeler.saveSVG();
    download(fileName.replace(/\.(bpmn|xml)$/, '') + '.svg', svg ?? '', 'image/svg+xml');
  }

  async function deploy(): Promise<void> {
    await lint();
    const { xml } = await modeler.saveXML({ format: true });
    say('Deploying…');
    try {
      const result = await api.post<{ id: string; processes: { processId: string; version: number; duplicate: boolean }[] }>('/api/deployments', {
        resources: [{ name: fileName.endsWith('.bpmn') ? fileName : `${fileName}.bpmn`, content: xml }, ...forms],
      });
      deployProblems = [];
      renderProblems();
      const list = result.processes.map((p) => `${p.processId} v${p.version}${p.duplicate ? ' (unchanged)' : ''}`).join(', ');
      say(`Deployed ${list}.`);
      toast(`Deployed ${list}.`);
      void loadProcesses();
    } catch (err) {
      if (err instanceof ApiError && err.details.length) {
        deployProblems = err.details;
        renderProblems();
        say(`Deployment refused: ${err.details.length} problem(s). See the marked elements.`, 'error');
      } else {
        say(`Deployment failed: ${errorText(err)}`, 'error');
      }
    }
  }

  const eventBus = modeler.get('eventBus') as any;
  eventBus.on('commandStack.changed', () => {
    window.clearTimeout(lintTimer);
    lintTimer = window.setTimeout(() => void lint(), 300);
  });

  void loadProcesses();
  void open(newDiagramXml(), 'diagram.bpmn');

  return {
    dispose: () => {
      disposed = true;
      window.clearTimeout(lintTimer);
      modeler.destroy();
      if (window.__modeler === modeler) delete window.__modeler;
    },
  };
}
