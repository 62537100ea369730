/** Minimal typings for dmn-moddle 12 (ESM-only, no typings): only what engine/dmn/parse.ts reads. */
declare module 'dmn-moddle' {
  export interface DmnElement {
    $type: string;
    id?: string;
    name?: string;
    [key: string]: unknown;
  }

  export interface DmnWarning {
    message: string;
  }

  export class DmnModdle {
    constructor(packages?: Record<string, unknown>, options?: Record<string, unknown>);
    fromXML(xml: string, typeName?: string): Promise<{ rootElement: DmnElement; warnings: DmnWarning[] }>;
  }
}
