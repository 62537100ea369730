/**
 * Minimal typings for bpmn-moddle 10 (the package ships element typings but none for the BpmnModdle
 * class itself, and its `exports` map is not visible to `moduleResolution: node10`). Only what the
 * parser uses is declared; element properties are read through the helpers in `elements.ts`.
 */
declare module 'bpmn-moddle' {
  export interface ModdleElement {
    $type: string;
    $attrs?: Record<string, string>;
    $parent?: ModdleElement;
    id?: string;
    name?: string;
    $instanceOf(type: string): boolean;
    get(name: string): unknown;
  }

  export interface ModdleWarning {
    message: string;
    element?: ModdleElement;
    property?: string;
    value?: unknown;
    error?: Error;
  }

  export interface ModdleParseResult {
    rootElement: ModdleElement;
    references: unknown[];
    warnings: ModdleWarning[];
    elementsById: Record<string, ModdleElement>;
  }

  export class BpmnModdle {
    constructor(packages?: Record<string, unknown>, options?: Record<string, unknown>);
    fromXML(xml: string, typeName?: string, options?: Record<string, unknown>): Promise<ModdleParseResult>;
  }
}
