/**
 * zeebe:ioMapping: input mappings create an activity's local variables, output mappings decide what an
 * activity hands back to its scope. Targets may be dotted paths (`ticket.priority`).
 */
import type { Mapping } from '../bpmn/model';
import { layered } from '../expr/context';
import { evaluateExpression } from '../expr/feel';
import type { Variables } from './state';

function setPath(target: Variables, path: string, value: unknown): void {
  const parts = path.split('.');
  let cursor: Record<string, unknown> = target;
  for (const part of parts.slice(0, -1)) {
    const next = cursor[part];
    cursor[part] = next && typeof next === 'object' && !Array.isArray(next) ? { ...(next as object) } : {};
    cursor = cursor[part] as Record<string, unknown>;
  }
  cursor[parts[parts.length - 1]] = value;
}

/** Evaluates mappings in order; later mappings see the results of earlier ones (as in Zeebe). */
export function applyMappings(mappings: Mapping[], context: Variables, base: Variables = {}): Variables {
  const out: Variables = { ...base };
  for (const m of mappings) {
    const root = m.target.split('.')[0];
    if (m.target.includes('.') && out[root] === undefined && context[root] !== undefined) out[root] = context[root];
    setPath(out, m.target, evaluateExpression(m.source, layered(context, out)));
  }
  return out;
}
