/**
 * The visual diff of two versions of a process (bpmn-js-differ): both diagrams side by side, elements
 * added (new version), removed (old version), changed and moved marked on them, and the list of changes
 * with what changed.
 */
import NavigatedViewer from 'bpmn-js/lib/NavigatedViewer';
import { diff } from 'bpmn-js-differ';
import { api } from './api';
import { h } from './dom';

type Kind = 'added' | 'removed' | 'changed' | 'layout';
const LABEL: Record<Kind, string> = { added: 'added', removed: 'removed', changed: 'changed', layout: 'moved' };

interface Change {
  id: string;
  kind: Kind;
  type: string;
  name?: string;
  detail?: string;
}

/** The changes from `oldDefs` to `newDefs`, in the order of the list: removed, added, changed, moved. */
function changesOf(oldDefs: unknown, newDefs: unknown): Change[] {
  const result = diff(oldDefs, newDefs);
  const of = (kind: Kind, entries: Record<string, any>, detail?: (v: any) => string): Change[] =>
    Object.entries(entries).map(([id, v]) => {
      const model = v.model ?? v;
      return { id, kind, type: String(model.$type ?? '').replace(/^bpmn:/, ''), name: model.name, detail: detail?.(v) };
    });
  return [
    ...of('removed', result._removed),
    ...of('added', result._added),
    ...of('changed', result._changed, (v) =>
      Object.entries(v.attrs ?? {})
        .map(([attr, c]: [string, any]) => `${attr}: ${short(c.oldValue)} → ${short(c.newValue)}`)
        .join('; '),
    ),
    ...of('layout', result._layoutChanged),
  ];
}

const short = (v: unknown): string => {
  const text = v === undefined || v === null || v === '' ? '—' : typeof v === 'object' ? ((v as { id?: string }).id ?? '…') : String(v);
  return text.length > 40 ? `${text.slice(0, 40)}…` : text;
};

/** Draws the diff of two process versions (keys `id:version`) into `container`; returns the viewers to destroy. */
export async function showDiff(container: HTMLElement, oldKey: string, newKey: string): Promise<{ destroy: () => void }> {
  const oldHost = h('div', { class: 'viewer diff-viewer', id: 'diff-old', role: 'img', 'aria-label': `Diagram of ${oldKey}` });
  const newHost = h('div', { class: 'viewer diff-viewer', id: 'diff-new', role: 'img', 'aria-label': `Diagram of ${newKey}` });
  const list = h('ul', { class: 'diff-list', id: 'diff-list', 'aria-label': 'Changes' });
  container.replaceChildren(
    h('div', { class: 'diff-pair' }, h('figure', {}, h('figcaption', {}, `${oldKey} (before)`), oldHost), h('figure', {}, h('figcaption', {}, `${newKey} (after)`), newHost)),
    h(
      'p',
      { class: 'legend' },
      (['added', 'removed', 'changed', 'layout'] as Kind[]).map((k) => h('span', { class: `pd-key diff-${k}` }, LABEL[k])),
    ),
    list,
  );
  const viewers = [new NavigatedViewer({ container: oldHost }), new NavigatedViewer({ container: newHost })];
  const destroy = (): void => viewers.forEach((v) => v.destroy());
  const [oldXml, newXml] = await Promise.all([oldKey, newKey].map((k) => api.text(`/api/processes/${encodeURIComponent(k)}/xml`)));
  await viewers[0].importXML(oldXml);
  await viewers[1].importXML(newXml);
  const changes = changesOf(viewers[0].getDefinitions(), viewers[1].getDefinitions());
  for (const [i, viewer] of viewers.entries()) {
    const canvas = viewer.get('canvas') as any;
    const registry = viewer.get('elementRegistry') as any;
    canvas.zoom('fit-viewport', 'auto');
    for (const c of changes) {
      // removed elements are on the old diagram only, added ones on the new one
      if ((c.kind === 'removed' && i === 1) || (c.kind === 'added' && i === 0)) continue;
      if (registry.get(c.id)) canvas.addMarker(c.id, `diff-${c.kind}`);
    }
  }
  list.replaceChildren(
    ...(changes.length
      ? changes.map((c) =>
          h(
            'li',
            { class: `diff-${c.kind}`, 'data-element-id': c.id, 'data-change': c.kind },
            h('span', { class: 'badge' }, LABEL[c.kind]),
            ` ${c.type} ${c.name ? `"${c.name}" ` : ''}(${c.id})`,
            c.detail ? `: ${c.detail}` : '',
          ),
        )
      : [h('li', { class: 'muted' }, 'The two versions are the same.')]),
  );
  return { destroy };
}
