/**
 * A bpmn-js module of the modeler: the content of an expanded call activity. BPMN lets a call activity
 * be drawn expanded, with the shapes of the process it calls inside it (MIWG B.1.0 and B.2.0 do so).
 * bpmn-js draws call activities collapsed and only the processes of participants (and those with
 * lanes), so those shapes were read but never shown. After each rendering this draws the elements of
 * the called process that have a shape on the same plane, as children of the call activity.
 *
 * The content is shown, not edited here: it belongs to the called process, and moving it would make
 * bpmn-js move the elements into the caller's process. So it cannot be moved, resized, replaced,
 * deleted or connected (edit the called process itself); the model and its XML stay as they were read.
 */
import type BaseViewer from 'bpmn-js/lib/BaseViewer';
import type BpmnImporter from 'bpmn-js/lib/import/BpmnImporter';
import type { Element, ModdleElement, Shape } from 'bpmn-js/lib/model/Types';
import type ElementRegistry from 'diagram-js/lib/core/ElementRegistry';
import type EventBus from 'diagram-js/lib/core/EventBus';
import RuleProvider from 'diagram-js/lib/features/rules/RuleProvider';

const is = (el: ModdleElement, type: string): boolean => typeof el?.$instanceOf === 'function' && el.$instanceOf(type);

/** The order the importer needs: hosts before what is attached to them, both ends before a flow. */
function drawingOrder(elements: ModdleElement[]): ModdleElement[] {
  const rank = (e: ModdleElement): number => (is(e, 'bpmn:SequenceFlow') ? 2 : is(e, 'bpmn:BoundaryEvent') ? 1 : 0);
  return [...elements].sort((a, b) => rank(a) - rank(b));
}

export class CalledProcessContent {
  static $inject = ['eventBus', 'elementRegistry', 'bpmnImporter', 'bpmnjs'];
  /** The elements drawn here (read-only: see CalledProcessRules). */
  readonly drawn = new Set<object>();

  constructor(
    eventBus: EventBus,
    private readonly registry: ElementRegistry,
    private readonly importer: BpmnImporter,
    private readonly bpmnjs: BaseViewer,
  ) {
    // fired by importXML and by open(diagram) alike, once the plane is drawn
    eventBus.on('import.render.complete', (event: { error?: unknown }) => {
      this.drawn.clear();
      if (!event.error) this.drawCalledProcesses();
    });
  }

  private drawCalledProcesses(): void {
    const processes = new Map<string, ModdleElement>();
    for (const root of this.bpmnjs.getDefinitions()?.rootElements ?? []) if (is(root, 'bpmn:Process')) processes.set(root.id, root);
    const calls = this.registry.filter((e) => is(e.businessObject, 'bpmn:CallActivity') && e.di?.isExpanded === true) as Shape[];
    for (const call of calls) {
      const called = processes.get(call.businessObject.calledElement);
      const plane = call.di.$parent;
      if (!called || !is(plane, 'bpmndi:BPMNPlane')) continue;
      const diOf = new Map<ModdleElement, ModdleElement>();
      for (const di of plane.planeElement ?? []) if (di.bpmnElement) diOf.set(di.bpmnElement, di);
      // children of a collapsed shape would be imported hidden
      call.collapsed = false;
      this.drawContent(called, call, diOf);
    }
  }

  /** Draws the flow elements of `container` that have a shape on the plane and are not drawn yet. */
  private drawContent(container: ModdleElement, parent: Shape, diOf: Map<ModdleElement, ModdleElement>): void {
    for (const semantic of drawingOrder(container.flowElements ?? [])) {
      const di = diOf.get(semantic);
      if (!di || this.registry.get(semantic.id)) continue;
      const element = this.importer.add(semantic, di, parent);
      this.drawn.add(element);
      if ((element as Shape).label) this.drawn.add((element as Shape).label!);
      if (is(semantic, 'bpmn:SubProcess') && !(element as Shape).collapsed) this.drawContent(semantic, element as Shape, diOf);
    }
  }
}

interface RuleContext {
  shape?: Element;
  shapes?: Element[];
  elements?: Element[];
  element?: Element;
  source?: Element;
  target?: Element;
  connection?: Element;
}

/** Keeps what CalledProcessContent drew as it was: no move, resize, replace, delete or connection. */
export class CalledProcessRules extends RuleProvider {
  static $inject = ['eventBus', 'calledProcessContent'];

  constructor(
    eventBus: EventBus,
    private readonly content: CalledProcessContent,
  ) {
    super(eventBus);
  }

  init(): void {
    const touches = (c: RuleContext): boolean =>
      [c.shape, c.element, c.source, c.target, c.connection, ...(c.shapes ?? []), ...(c.elements ?? [])].some((e) => e && this.content.drawn.has(e));
    const actions = [
      'elements.move',
      'shape.resize',
      'shape.replace',
      'elements.delete',
      'connection.create',
      'connection.reconnect',
      'connection.updateWaypoints',
      'shape.create',
      'elements.create',
      'shape.attach',
    ];
    this.addRule(actions, 2000, (context: RuleContext) => (touches(context) ? false : undefined));
  }
}

export const CalledProcessModule = {
  __init__: ['calledProcessContent', 'calledProcessRules'],
  calledProcessContent: ['type', CalledProcessContent],
  calledProcessRules: ['type', CalledProcessRules],
};
