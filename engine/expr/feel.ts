/**
 * FEEL expressions through feelin, the sandboxed FEEL interpreter of the bpmn-io project: no JavaScript
 * of the diagram author is ever executed. Camunda 8 marks an expression with a leading `=`; anything
 * else is a literal string.
 */
import { evaluate, parseExpression } from 'feelin';

export type Variables = Record<string, unknown>;

export class ExpressionError extends Error {
  constructor(
    message: string,
    readonly expression: string,
  ) {
    super(message);
    this.name = 'ExpressionError';
  }
}

export function isFeel(source: string): boolean {
  return source.trimStart().startsWith('=');
}

function body(source: string): string {
  return source.trimStart().slice(1);
}

/** Parse verdicts by source: diagrams repeat the same few expressions on every evaluation. */
const checked = new Map<string, string | undefined>();
const MAX_CHECKED = 10_000;

/** The parse error of a FEEL expression (`=...`), or undefined when it parses or is a literal. */
export function checkExpression(source: string): string | undefined {
  if (!isFeel(source)) return undefined;
  if (checked.has(source)) return checked.get(source);
  const problem = parseProblem(source);
  if (checked.size >= MAX_CHECKED) checked.clear();
  checked.set(source, problem);
  return problem;
}

function parseProblem(source: string): string | undefined {
  const text = body(source);
  if (!text.trim()) return 'empty expression';
  try {
    const tree = parseExpression(text, {}, undefined);
    let problem: string | undefined;
    tree.iterate({
      enter(node) {
        if (problem) return false;
        if (node.type.isError) problem = `syntax error at ${node.from}: "${text.slice(Math.max(0, node.from - 10), node.to + 10)}"`;
        return undefined;
      },
    });
    return problem;
  } catch (err) {
    return (err as Error).message;
  }
}

/**
 * A plain object of any realm: its prototype is null or some realm's Object.prototype. (Objects made by
 * structuredClone, or in another vm context as under jest, have a different Object.prototype.)
 */
function isPlainObject(value: object): boolean {
  const proto = Object.getPrototypeOf(value);
  return proto === null || (Object.getPrototypeOf(proto) === null && Object.prototype.toString.call(value) === '[object Object]');
}

/** Temporal values of feelin (dates, durations) become their ISO strings so variables stay JSON. */
function toPlain(value: unknown): unknown {
  if (value === null || value === undefined) return null;
  if (Array.isArray(value)) return value.map(toPlain);
  if (typeof value === 'object') {
    if (!isPlainObject(value) && typeof (value as { toJSON?: unknown }).toJSON === 'function') {
      return (value as { toJSON(): unknown }).toJSON();
    }
    if (!isPlainObject(value)) return String(value);
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value as Record<string, unknown>)) out[k] = toPlain(v);
    return out;
  }
  if (typeof value === 'function') return null;
  if (typeof value === 'number' && !Number.isFinite(value)) return null;
  return value;
}

/**
 * Evaluates `=expr` as FEEL against the variables; returns a literal unchanged.
 * Throws ExpressionError on a syntax error or a call of an unknown function. A missing variable is
 * FEEL `null`, as in Camunda.
 */
export function evaluateExpression(source: string, variables: Variables): unknown {
  if (!isFeel(source)) return source;
  const text = body(source);
  const problem = checkExpression(source);
  if (problem) throw new ExpressionError(`cannot parse expression ${text}: ${problem}`, source);
  let result: { value: unknown; warnings: { type: string; message: string }[] };
  try {
    result = evaluate(text, variables) as typeof result;
  } catch (err) {
    throw new ExpressionError(`failed to evaluate ${text}: ${(err as Error).message}`, source);
  }
  const fatal = result.warnings.find((w) => w.type === 'NO_FUNCTION_FOUND');
  if (fatal) throw new ExpressionError(`failed to evaluate ${text}: ${fatal.message}`, source);
  return toPlain(result.value);
}

/** A condition must be a boolean; `null` (e.g. a missing variable) counts as false, anything else is an error. */
export function evaluateCondition(source: string, variables: Variables): boolean {
  const value = evaluateExpression(source, variables);
  if (value === null) return false;
  if (typeof value !== 'boolean') {
    throw new ExpressionError(`condition ${source} gave ${JSON.stringify(value)}, not a boolean`, source);
  }
  return value;
}

/** Evaluates to a string (job types, assignees, correlation keys). Numbers are accepted and stringified. */
export function evaluateString(source: string, variables: Variables): string | undefined {
  const value = evaluateExpression(source, variables);
  if (value === null || value === undefined) return undefined;
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  throw new ExpressionError(`${source} gave ${JSON.stringify(value)}, not a string`, source);
}

/** Evaluates to a list of strings: a FEEL list, or a comma-separated literal such as "a, b". */
export function evaluateStringList(source: string | undefined, variables: Variables): string[] {
  if (!source) return [];
  const value = isFeel(source) ? evaluateExpression(source, variables) : source;
  if (value === null || value === undefined) return [];
  if (Array.isArray(value)) return value.map(String);
  if (typeof value === 'string') return value.split(',').map((s) => s.trim()).filter(Boolean);
  throw new ExpressionError(`${source} gave ${JSON.stringify(value)}, not a list of strings`, source);
}
