/**
 * Small typed accessors for moddle elements (bpmn-moddle builds untyped objects), and the problem
 * collector every reader and validator writes to.
 */
import type { ModdleElement } from 'bpmn-moddle';
import type { ModelProblem } from './model';

export type { ModdleElement };

export class Problems {
  readonly list: ModelProblem[] = [];

  add(elementId: string | undefined, message: string): void {
    this.list.push(elementId === undefined ? { message } : { elementId, message });
  }

  get size(): number {
    return this.list.length;
  }
}

function raw(el: ModdleElement, prop: string): unknown {
  return (el as unknown as Record<string, unknown>)[prop];
}

export function isElement(value: unknown): value is ModdleElement {
  return typeof value === 'object' && value !== null && typeof (value as { $type?: unknown }).$type === 'string';
}

/** A string property; empty strings are kept, non-strings are undefined. */
export function str(el: ModdleElement | undefined, prop: string): string | undefined {
  if (!el) return undefined;
  const value = raw(el, prop);
  return typeof value === 'string' ? value : undefined;
}

/** A string property trimmed; blank is undefined. */
export function text(el: ModdleElement | undefined, prop: string): string | undefined {
  const value = str(el, prop)?.trim();
  return value ? value : undefined;
}

export function bool(el: ModdleElement, prop: string, fallback: boolean): boolean {
  const value = raw(el, prop);
  return typeof value === 'boolean' ? value : fallback;
}

export function child(el: ModdleElement | undefined, prop: string): ModdleElement | undefined {
  if (!el) return undefined;
  const value = raw(el, prop);
  return isElement(value) ? value : undefined;
}

export function children(el: ModdleElement | undefined, prop: string): ModdleElement[] {
  if (!el) return [];
  const value = raw(el, prop);
  return Array.isArray(value) ? value.filter(isElement) : [];
}

/** Body of a bpmn:FormalExpression property (e.g. conditionExpression), trimmed; blank is undefined. */
export function expressionBody(el: ModdleElement | undefined, prop: string): string | undefined {
  return text(child(el, prop), 'body');
}

/** Extension elements of the given type (e.g. 'zeebe:TaskDefinition'), in document order. */
export function extensions(el: ModdleElement | undefined, type: string): ModdleElement[] {
  return children(child(el, 'extensionElements'), 'values').filter((v) => v.$type === type);
}

export function extension(el: ModdleElement | undefined, type: string): ModdleElement | undefined {
  return extensions(el, type)[0];
}

/** All extension element types in the zeebe namespace attached to the element. */
export function zeebeExtensions(el: ModdleElement | undefined): ModdleElement[] {
  return children(child(el, 'extensionElements'), 'values').filter((v) => v.$type.startsWith('zeebe:'));
}

/** 'bpmn:UserTask' -> 'userTask' */
export function localType(el: ModdleElement): string {
  const name = el.$type.includes(':') ? el.$type.slice(el.$type.indexOf(':') + 1) : el.$type;
  return name.charAt(0).toLowerCase() + name.slice(1);
}

/** 'bpmn:IntermediateCatchEvent' -> 'intermediate catch event', for messages. */
export function describe(el: ModdleElement): string {
  return localType(el)
    .replace(/([A-Z])/g, ' $1')
    .toLowerCase();
}
