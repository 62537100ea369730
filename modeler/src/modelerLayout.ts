/** The modeler page's layout (toolbar, canvas and properties panel, drafts notice, problems list, status line) and how problems are drawn. */
import type { ErrorDetail } from './api';
import { h } from './dom';
import type { LintIssue } from './lint';

/** What the toolbar's buttons do. */
export interface ToolbarActions {
  onNew: () => void;
  onExportXml: () => void;
  onExportSvg: () => void;
  onDeploy: () => void;
  onForms: () => void;
  onHistory: () => void;
}

/** Builds the page: toolbar, canvas with its properties panel, problems list, status line. */
export function layout(main: HTMLElement, actions: ToolbarActions) {
  const processSelect = h('select', { id: 'open-process' }, h('option', { value: '' }, 'Deployed processes…'));
  // the labels styled as buttons are the keyboard's way to these inputs: the hidden inputs are no tab stop of their own
  const fileInput = h('input', { id: 'import-file', type: 'file', accept: '.bpmn,.xml', class: 'visually-hidden', tabindex: '-1' });
  const formsInput = h('input', { id: 'attach-forms', type: 'file', accept: '.form,.json', multiple: true, class: 'visually-hidden', tabindex: '-1' });
  const formsLabel = h('span', { class: 'muted', id: 'attached-forms' }, '');
  const status = h('div', { class: 'status', role: 'status', 'aria-live': 'polite', id: 'modeler-status' });
  const problems = h('ul', { class: 'problems', id: 'problems', 'aria-label': 'Problems' });
  const problemsCount = h('span', { id: 'problems-count' }, '');
  const canvas = h('div', { class: 'canvas', id: 'canvas', role: 'application', 'aria-label': 'BPMN diagram editor' });
  const panel = h('div', { class: 'properties', id: 'properties', role: 'complementary', 'aria-label': 'Properties' });

  const toolbar = h(
    'div',
    { class: 'toolbar', role: 'toolbar', 'aria-label': 'Diagram actions' },
    h('button', { type: 'button', id: 'new-diagram', onclick: actions.onNew }, 'New'),
    h('label', { class: 'visually-hidden', for: 'open-process' }, 'Open a deployed process'),
    processSelect,
    h(
      'label',
      {
        class: 'button secondary',
        for: 'import-file',
        tabindex: '0',
        onkeydown: (e: KeyboardEvent) => {
          if (e.key === 'Enter' || e.key === ' ') {
            e.preventDefault();
            fileInput.click();
          }
        },
      },
      'Import .bpmn',
    ),
    fileInput,
    h('button', { type: 'button', class: 'secondary', id: 'export-diagram', onclick: actions.onExportXml }, 'Export .bpmn'),
    h('button', { type: 'button', class: 'secondary', id: 'export-svg', onclick: actions.onExportSvg }, 'Export .svg'),
    h(
      'label',
      {
        class: 'button secondary',
        for: 'attach-forms',
        tabindex: '0',
        onkeydown: (e: KeyboardEvent) => {
          if (e.key === 'Enter' || e.key === ' ') {
            e.preventDefault();
            formsInput.click();
          }
        },
      },
      'Attach forms',
    ),
    formsInput,
    formsLabel,
    h('button', { type: 'button', class: 'secondary', id: 'open-form-builder', onclick: actions.onForms }, 'Forms…'),
    h('button', { type: 'button', class: 'secondary', id: 'version-history', onclick: actions.onHistory }, 'Version history'),
    h('button', { type: 'button', id: 'deploy', onclick: actions.onDeploy }, 'Deploy'),
  );
  const title = h('p', { class: 'process-title', id: 'process-title' }, '');
  const draftSaved = h('span', { class: 'muted', id: 'draft-state', role: 'status' }, '');
  const drafts = h('div', { id: 'drafts-notice' });
  main.append(
    h('h1', { class: 'visually-hidden' }, 'Modeler'),
    drafts,
    toolbar,
    h('div', { class: 'process-line' }, title, draftSaved),
    h('div', { class: 'modeler-layout' }, canvas, panel),
    h('section', { class: 'problems-panel', 'aria-labelledby': 'problems-title' }, h('h2', { id: 'problems-title' }, 'Problems ', problemsCount), problems),
    status,
  );
  return { processSelect, fileInput, formsInput, formsLabel, status, problems, problemsCount, canvas, panel, title, draftSaved, drafts };
}

/** The diagram's services and the problems list that renderProblems draws into. */
export interface ProblemsView {
  overlays: any;
  registry: any;
  canvasService: any;
  problems: HTMLElement;
  problemsCount: HTMLElement;
  selectElement: (id: string) => void;
}

/** Lists deployment problems and lint issues, worst first, and marks their elements on the canvas. */
export function renderProblems(view: ProblemsView, deployProblems: ErrorDetail[], lintIssues: LintIssue[]): void {
  const { overlays, registry, canvasService, problems, problemsCount, selectElement } = view;
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
    const item = h(
      'li',
      { class: `problem ${p.category}`, 'data-source': p.source },
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
    const html = h(
      'div',
      {
        class: `pd-issue ${deployError ? 'deploy-error' : error ? 'lint-error' : 'lint-warn'}`,
        title: list.map((p) => p.message).join('\n'),
        'data-element-id': id,
      },
      deployError ? '!' : String(list.length),
    );
    overlays.add(id, deployError ? 'deploy' : 'lint', { position: { top: -10, right: 10 }, html });
  }
  problemsCount.textContent = `(${all.length})`;
  if (!all.length) problems.append(h('li', { class: 'problem none' }, 'No problems found.'));
}
