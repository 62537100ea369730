/** A bare bpmn-js viewer for rendering diagrams to images (npm run render:processes). */
import 'bpmn-js/dist/assets/diagram-js.css';
import 'bpmn-js/dist/assets/bpmn-js.css';
import Viewer from 'bpmn-js/lib/Viewer';

declare global {
  interface Window {
    renderBpmn?: (xml: string) => Promise<{ warnings: number; width: number; height: number }>;
  }
}

const viewer = new Viewer({ container: document.getElementById('diagram')! });
(window as any).__viewer = viewer;

/** Imports the diagram and sizes the container to it (1:1, 30 px margin) so a screenshot shows it whole. */
window.renderBpmn = async (xml: string) => {
  const { warnings } = await viewer.importXML(xml);
  const canvas = viewer.get('canvas') as any;
  const container = document.getElementById('diagram')!;
  const inner = canvas.viewbox().inner;
  const margin = 30;
  const width = Math.ceil(inner.width + 2 * margin);
  const height = Math.ceil(inner.height + 2 * margin);
  container.style.width = `${width}px`;
  container.style.height = `${height}px`;
  canvas.resized();
  canvas.viewbox({ x: inner.x - margin, y: inner.y - margin, width, height });
  return { warnings: warnings.length, width, height };
};
document.body.dataset.ready = 'true';
