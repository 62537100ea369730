/**
 * Modeler (designer, admin): bpmn-js Modeler with the zeebe properties panel, lint overlays, deploy; the
 * diagram's forms (attached files or built in the form builder) go with it, and its unsaved work is kept
 * as a server draft. `#/modeler/history/<processId>` is the process's version history.
 */
import 'bpmn-js/dist/assets/diagram-js.css';
import 'bpmn-js/dist/assets/bpmn-js.css';
// the font as a file (13 KB woff2, fetched once and cached) rather than 96 KB of base64 inside the CSS
import 'bpmn-js/dist/assets/bpmn-font/css/bpmn.css';
import '@bpmn-io/properties-panel/dist/assets/properties-panel.css';
import './owner.css';
import BpmnModeler from 'bpmn-js/lib/Modeler';
import { BpmnPropertiesPanelModule, BpmnPropertiesProviderModule, ZeebePropertiesProviderModule } from 'bpmn-js-properties-panel';
import ZeebeBehaviorsModule from 'camunda-bpmn-js-behaviors/lib/camunda-cloud';
import zeebeModdle from 'zeebe-bpmn-moddle/resources/zeebe.json';
import { api, ApiError, type ErrorDetail, type Me } from './api';
import { CalledProcessModule } from './calledProcess';
import { download, errorText, toast } from './dom';
import { DraftKeeper, showDrafts, type DraftContent, type FormFile } from './drafts';
import { lintDefinitions, type LintIssue } from './lint';
import { layout, renderProblems, type ProblemsView } from './modelerLayout';
import { newDiagramXml } from './newDiagram';
import { askNewProcess } from './newProcess';

declare global {
  interface Window {
    __modeler?: any;
  }
}

interface View {
  dispose: () => void;
  mayLeave?: () => boolean;
}

export async function mount(main: HTMLElement, me: Me, arg?: string): Promise<View> {
  if (arg?.startsWith('history/')) return (await import('./versionHistory')).mount(main, arg.slice('history/'.length));
  return mountModeler(main, me);
}

function mountModeler(main: HTMLElement, me: Me): View {
  const ui = layout(main, {
    onNew: () => void startNew(),
    onExportXml: () => void exportXml(),
    onExportSvg: () => void exportSvg(),
    onDeploy: () => void deploy(),
    onForms: () => void openForms(),
    onHistory: () => openHistory(),
  });
  const { processSelect, fileInput, formsInput, formsLabel, status, problems, problemsCount, canvas, panel } = ui;
  let fileName = 'diagram.bpmn';

  const modeler = new BpmnModeler({
    container: canvas,
    propertiesPanel: { parent: panel },
    additionalModules: [BpmnPropertiesPanelModule, BpmnPropertiesProviderModule, ZeebePropertiesProviderModule, ZeebeBehaviorsModule, CalledProcessModule],
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
  /** The diagram's forms by form id: attached files and those built in the form builder. */
  const forms = new Map<string, FormFile>();
  /** Ids of the deployed forms (GET /api/forms); undefined while unknown, and the lint then skips the form check. */
  let deployedForms: Set<string> | undefined;

  const say = (text: string, kind: 'info' | 'error' = 'info'): void => {
    status.textContent = text;
    status.className = `status ${kind}`;
  };

  /** The process of the diagram: its id and name. */
  const processOf = (): { id: string; name?: string } | undefined => {
    const p = (modeler.getDefinitions()?.rootElements ?? []).find((r: any) => r.$type === 'bpmn:Process');
    return p ? { id: p.id, name: p.name || undefined } : undefined;
  };
  const showTitle = (): void => {
    const p = processOf();
    ui.title.textContent = p ? `${p.name ?? '(no name)'} — ${p.id}` : '';
  };

  const drafts = new DraftKeeper(
    async (): Promise<DraftContent | undefined> => {
      const p = processOf();
      if (!p) return undefined;
      const { xml } = await modeler.saveXML({ format: true });
      return { processId: p.id, name: p.name, xml: xml ?? '', forms: [...forms.values()] };
    },
    (text, kind) => {
      ui.draftSaved.textContent = text;
      ui.draftSaved.className = kind === 'error' ? 'error' : 'muted';
    },
  );

  function selectElement(id: string): void {
    const el = registry.get(id);
    if (!el) return;
    (modeler.get('selection') as any).select(el);
    canvasService.scrollToElement?.(el);
  }

  const problemsView: ProblemsView = { overlays, registry, canvasService, problems, problemsCount, selectElement };

  /**
   * True while the canvas holds the diagram the modeler opens with (one start event), untouched. Camunda's
   * rules find nothing in it (test/lint/camundaRules.test.ts), so they are left out of its lint: their
   * chunk is fetched once the user opens, imports, resumes or changes a diagram, not on every visit.
   */
  let startingDiagram = false;

  let lintRun = 0;
  async function lint(): Promise<void> {
    const run = ++lintRun;
    let issues: LintIssue[];
    try {
      const known = deployedForms && new Set([...deployedForms, ...forms.keys()]);
      issues = await lintDefinitions(modeler.getDefinitions(), known, { camunda: !startingDiagram });
    } catch (err) {
      issues = [{ id: '', rule: 'lint-failure', message: `the linter failed: ${errorText(err)}`, category: 'error' }];
    }
    if (run !== lintRun || disposed) return; // a newer run is on its way
    lintIssues = issues;
    renderProblems(problemsView, deployProblems, lintIssues);
  }

  function showForms(): void {
    formsLabel.textContent = forms.size ? `${forms.size} form(s): ${[...forms.keys()].join(', ')}` : '';
  }

  async function open(xml: string, name: string, withForms: FormFile[] = [], fromDraft = false, starting = false): Promise<void> {
    try {
      const { warnings } = await modeler.importXML(xml);
      startingDiagram = starting;
      fileName = name;
      deployProblems = [];
      forms.clear();
      for (const f of withForms) forms.set(formIdOf(f), f);
      showForms();
      canvasService.zoom('fit-viewport', 'auto');
      drafts.reset(processOf()?.id);
      showTitle();
      await lint();
      say(`Opened ${name}${warnings.length ? ` with ${warnings.length} import warning(s)` : ''}.`);
      // a resumed draft holds changes that are still not deployed
      if (fromDraft) drafts.changed();
    } catch (err) {
      say(`Could not open ${name}: ${errorText(err)}`, 'error');
    }
  }

  async function startNew(): Promise<void> {
    if (!drafts.confirmDiscard('Start a new diagram')) return;
    const chosen = await askNewProcess(me);
    if (!chosen) return;
    await open(newDiagramXml(chosen.id, chosen.name), `${chosen.id}.bpmn`);
    drafts.changed(); // a new process is a draft from the start
  }

  async function loadProcesses(): Promise<void> {
    try {
      const { items } = await api.get<{ items: { key: string; processId: string; version: number; name: string | null; resourceName: string }[] }>('/api/processes');
      processSelect.replaceChildren(new Option(items.length ? 'Open a deployed process…' : 'No deployed processes', ''));
      for (const p of items) {
        const option = new Option(`${p.name ?? p.processId} (v${p.version})`, p.key);
        option.dataset.resource = p.resourceName;
        processSelect.append(option);
      }
    } catch (err) {
      say(`Could not list processes: ${errorText(err)}`, 'error');
    }
  }

  async function loadDeployedForms(): Promise<void> {
    try {
      deployedForms = new Set((await api.get<{ items: { id: string }[] }>('/api/forms')).items.map((f) => f.id));
      await lint();
    } catch {
      deployedForms = undefined; // the lint's form check stays off rather than report every form as unknown
    }
  }

  processSelect.addEventListener('change', async () => {
    const key = processSelect.value;
    if (!key) return;
    if (!drafts.confirmDiscard('Open another diagram')) {
      processSelect.value = '';
      return;
    }
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
    if (drafts.confirmDiscard('Import another diagram')) await open(await file.text(), file.name);
    fileInput.value = '';
  });

  formsInput.addEventListener('change', async () => {
    for (const f of formsInput.files ?? []) {
      const file = { name: f.name.endsWith('.form') ? f.name : `${f.name.replace(/(\.form)?\.json$/, '')}.form`, content: await f.text() };
      forms.set(formIdOf(file), file);
    }
    formsInput.value = '';
    showForms();
    drafts.changed();
    await lint();
  });

  async function openForms(): Promise<void> {
    try {
      const { openFormBuilder } = await import('./formBuilder');
      openFormBuilder(forms, () => {
        showForms();
        drafts.changed();
        void lint();
      });
    } catch (err) {
      say(`Could not open the form builder: ${errorText(err)}`, 'error');
    }
  }

  function openHistory(): void {
    const p = processOf();
    if (p) location.hash = `#/modeler/history/${encodeURIComponent(p.id)}`;
  }

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
        resources: [{ name: fileName.endsWith('.bpmn') ? fileName : `${fileName}.bpmn`, content: xml }, ...forms.values()],
      });
      deployProblems = [];
      renderProblems(problemsView, deployProblems, lintIssues);
      const list = result.processes.map((p) => `${p.processId} v${p.version}${p.duplicate ? ' (unchanged)' : ''}`).join(', ');
      say(`Deployed ${list}.`);
      toast(`Deployed ${list}.`);
      drafts.reset(); // the server cleared the draft: what it held is deployed
      void loadProcesses();
      void loadDeployedForms();
    } catch (err) {
      if (err instanceof ApiError && err.details.length) {
        deployProblems = err.details;
        renderProblems(problemsView, deployProblems, lintIssues);
        say(`Deployment refused: ${err.details.length} problem(s). See the marked elements.`, 'error');
      } else {
        say(`Deployment failed: ${errorText(err)}`, 'error');
      }
    }
  }

  const eventBus = modeler.get('eventBus') as any;
  eventBus.on('commandStack.changed', () => {
    startingDiagram = false;
    window.clearTimeout(lintTimer);
    lintTimer = window.setTimeout(() => void lint(), 300);
    showTitle();
    drafts.changed();
  });

  void loadProcesses();
  void loadDeployedForms();
  void open(newDiagramXml(), 'diagram.bpmn', [], false, true);
  showDrafts(ui.drafts, (draft) => {
    if (drafts.confirmDiscard('Resume the draft')) void open(draft.xml, `${draft.processId}.bpmn`, draft.forms, true);
  });

  return {
    mayLeave: () => drafts.confirmDiscard('Leave the modeler'),
    dispose: () => {
      disposed = true;
      window.clearTimeout(lintTimer);
      drafts.dispose();
      modeler.destroy();
      if (window.__modeler === modeler) delete window.__modeler;
    },
  };
}

/** The id a form file is deployed under (engine/runtime/deploy.ts): its JSON `id`, else its file name. */
function formIdOf(f: FormFile): string {
  try {
    const id = (JSON.parse(f.content) as { id?: unknown }).id;
    if (typeof id === 'string' && id) return id;
  } catch {
    /* not JSON: the deployment says so */
  }
  return f.name.replace(/^.*\//, '').replace(/\.form(\.json)?$/i, '');
}
