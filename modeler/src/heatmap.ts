/**
 * The heatmap of one process version: per element, how many instances passed it, wait in it now and
 * failed there (an open incident), counted by the server (GET /api/processes/:key/heatmap, a bounded
 * scan), drawn as badges on the diagram and as the element's colour (failed over waiting over passed).
 */
import NavigatedViewer from 'bpmn-js/lib/NavigatedViewer';
import { api } from './api';
import { h } from './dom';

interface Counts {
  passed: number;
  waiting: number;
  failed: number;
}

interface Heatmap {
  key: string;
  elements: Record<string, Counts>;
  instances: number;
  truncated: boolean;
}

/** Draws the heatmap of `key` (`id:version`) into `container`; returns the viewer to destroy. */
export async function showHeatmap(container: HTMLElement, key: string): Promise<{ destroy: () => void }> {
  const host = h('div', { class: 'viewer', id: 'heatmap-viewer', role: 'img', 'aria-label': `Heatmap of ${key}` });
  const summary = h('p', { id: 'heatmap-summary' }, 'Counting…');
  container.replaceChildren(
    summary,
    h(
      'p',
      { class: 'legend' },
      h('span', { class: 'pd-key heat-passed' }, 'passed'),
      h('span', { class: 'pd-key heat-waiting' }, 'waiting'),
      h('span', { class: 'pd-key heat-failed' }, 'failed (open incident)'),
    ),
    host,
  );
  const viewer = new NavigatedViewer({ container: host });
  const [xml, heatmap] = await Promise.all([api.text(`/api/processes/${encodeURIComponent(key)}/xml`), api.get<Heatmap>(`/api/processes/${encodeURIComponent(key)}/heatmap`)]);
  await viewer.importXML(xml);
  const canvas = viewer.get('canvas') as any;
  const registry = viewer.get('elementRegistry') as any;
  const overlays = viewer.get('overlays') as any;
  canvas.zoom('fit-viewport', 'auto');
  for (const [id, c] of Object.entries(heatmap.elements)) {
    if (!registry.get(id)) continue;
    canvas.addMarker(id, c.failed ? 'heat-failed' : c.waiting ? 'heat-waiting' : 'heat-passed');
    const badges = h(
      'div',
      { class: 'heat-badges', 'data-element-id': id, title: `${c.passed} passed, ${c.waiting} waiting, ${c.failed} failed` },
      c.passed ? h('span', { class: 'heat passed' }, `✓${c.passed}`) : null,
      c.waiting ? h('span', { class: 'heat waiting' }, `⏸${c.waiting}`) : null,
      c.failed ? h('span', { class: 'heat failed' }, `!${c.failed}`) : null,
    );
    overlays.add(id, 'heat', { position: { bottom: 4, left: -6 }, html: badges });
  }
  summary.textContent = `${heatmap.instances} instance(s) of ${key}${heatmap.truncated ? ' counted; the scan limit was reached, so the oldest instances only' : ''}.`;
  return { destroy: () => viewer.destroy() };
}
