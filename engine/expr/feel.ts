/**
 * FEEL expressions through feelin, the sandboxed FEEL interpreter of the bpmn-io project: no JavaScript
 * of the diagram author is ever executed. Camunda 8 marks an expression with a leading `=`; anything
 * else is a literal string.
 */
import { evaluate } from 'feelin';
import { commandOrigin, DIRECTORY_FUNCTIONS, type CommandOrigin } from './commandFunctions';
import { body, ExpressionError, isFeel, isPlainObject, NOT_DIRECT, parsed, SIMPLE_NAME, type Variables } from './feelParse';
import { sandbox } from './feelSandbox';

export { checkExpression, ExpressionError, isFeel, referencedNames, type Variables } from './feelParse';

/**
 * The part of `variables` an expression can read: the names it mentions (and keys that are no simple
 * names, which the parser only recognises with the context at hand). feelin converts every value of
 * the context it is given on every evaluation, so handing it all variables made each evaluation cost
 * as much as the largest variable: an approval with n voters cost n^2 to start.
 */
function readable(names: Set<string>, variables: Variables): Variables {
  const context: Variables = {};
  for (const name of names) if (name in variables) context[name] = variables[name];
  for (const key in variables) if (!(key in context) && !SIMPLE_NAME.test(key)) context[key] = variables[key];
  return context;
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
 * FEEL `null`, as in Camunda. An expression that may run long (it iterates, or calls a function that
 * walks lists) runs in the FEEL sandbox, under a time limit and a limit on the size of its result.
 */
export function evaluateExpression(source: string, variables: Variables): unknown {
  if (!isFeel(source)) return source;
  const { problem, direct, iterates, names } = parsed(source);
  if (problem) throw new ExpressionError(`cannot parse expression ${body(source)}: ${problem}`, source);
  if (direct) {
    const value = direct(variables);
    if (value !== NOT_DIRECT) return toPlain(value);
  }
  const context = readable(names, variables);
  if (iterates && sandbox.enabled) {
    const split = withoutFunctions(context);
    if (split) return sandbox.evaluate(source, split.values, split.origin, split.functions);
  }
  return evaluateInline(source, context);
}

/** Evaluates in this thread (the sandbox's worker calls this too). */
export function evaluateInline(source: string, context: Variables): unknown {
  const text = body(source);
  let result: { value: unknown; warnings: { type: string; message: string }[] };
  try {
    result = evaluate(text, context) as typeof result;
  } catch (err) {
    throw new ExpressionError(`failed to evaluate ${text}: ${(err as Error).message}`, source);
  }
  const fatal = result.warnings.find((w) => w.type === 'NO_FUNCTION_FOUND');
  if (fatal) throw new ExpressionError(`failed to evaluate ${text}: ${fatal.message}`, source);
  return toPlain(result.value);
}

/**
 * The context as data another thread can take: JSON values, and the names of the command's functions
 * (rebuilt there from their origin). Undefined when it cannot go (the directory's functions, or a
 * function of unknown origin): then the expression is evaluated here.
 */
function withoutFunctions(context: Variables): { values: Variables; functions: string[]; origin?: CommandOrigin } | undefined {
  const values: Variables = {};
  const functions: string[] = [];
  let origin: CommandOrigin | undefined;
  for (const [name, value] of Object.entries(context)) {
    if (typeof value !== 'function') {
      values[name] = value;
      continue;
    }
    const from = commandOrigin(value);
    if (!from || DIRECTORY_FUNCTIONS.has(name)) return undefined;
    origin = from;
    functions.push(name);
  }
  return { values, functions, origin };
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
  if (typeof value === 'string')
    return value
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean);
  throw new ExpressionError(`${source} gave ${JSON.stringify(value)}, not a list of strings`, source);
}
