/**
 * What parsing a FEEL expression tells, once per source text: its syntax error, the variable names it
 * reads (only those are handed to feelin), a direct answer for names, paths and literals, and whether
 * it may run long (feel.ts runs those under a time limit).
 */
import { parseExpression } from 'feelin';

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

export function body(source: string): string {
  return source.trimStart().slice(1);
}

/** Syntax that iterates: loops, quantifiers, filters, ranges. */
const ITERATING = new Set(['ForExpression', 'QuantifiedExpression', 'FilterExpression', 'Interval', '..']);
/** Functions whose cost does not grow with a list (or grows at most with one string they are given). */
const CHEAP_FUNCTIONS = new Set([
  'not',
  'string',
  'number',
  'is defined',
  'get value',
  'upper case',
  'lower case',
  'string length',
  'substring',
  'contains',
  'starts with',
  'ends with',
  'abs',
  'floor',
  'ceiling',
  'decimal',
  'round up',
  'round down',
  'round half up',
  'round half down',
  'modulo',
  'odd',
  'even',
  'now',
  'today',
  'day of week',
  'day of year',
  'week of year',
  'month of year',
  'years and months duration',
  'currentUser',
  'businessDue',
  'businessTimeAdd',
  'businessTimeBetween',
  'groupMembers',
  'managerOf',
  'groupsOf',
]);

/** What parsing an expression tells: its syntax error, or the variable names it reads. */
export interface Parsed {
  problem?: string;
  names: Set<string>;
  /** For a literal or a path of names (`=null`, `=voter.user`): the same answer as feelin, without it. */
  direct?: Direct;
  /**
   * It may run long: it iterates (for, some/every, filters, ranges) or calls a function that walks lists
   * or strings (count, distinct values, matches...). Such expressions run under a time limit (feelSandbox.ts).
   */
  iterates?: boolean;
}

/** Answers a simple expression from the variables, or NOT_DIRECT when feelin must (lists, functions...). */
export type Direct = (variables: Variables) => unknown;
export const NOT_DIRECT = Symbol('not direct');

/**
 * Most expressions of a diagram are a name or a path (`=assignmentGroup`, `=voter.user`) or a literal
 * (`=null`, `="all"`). feelin parses the text again on every evaluation (it has no parse-once API),
 * which costs a tenth of a millisecond each: these are answered here, exactly as feelin would for
 * JSON values (a missing name or key is null); anything else (a list on the path, a function) goes to
 * feelin.
 */
function directOf(text: string, nodes: { name: string; text: string }[]): Direct | undefined {
  if (nodes[1]?.name === 'Comparison') return comparisonOf(nodes);
  const shape = nodes.map((n) => n.name).join(' ');
  if (shape === 'Expression null') return () => null;
  if (shape === 'Expression BooleanLiteral') return text.trim() === 'true' ? () => true : () => false;
  if (shape === 'Expression NumericLiteral' && /^\s*\d+(\.\d+)?\s*$/.test(text)) {
    const n = Number(text);
    return () => n;
  }
  if (shape === 'Expression StringLiteral' && !text.includes('\\')) {
    const s = text.trim().slice(1, -1);
    return () => s;
  }
  const path = /^Expression (PathExpression )*VariableName Identifier( \. PathName Identifier)*$/.test(shape)
    ? nodes.filter((n) => n.name === 'Identifier').map((n) => n.text)
    : undefined;
  if (!path || path.some((p) => !SIMPLE_NAME.test(p))) return undefined;
  const [name, ...keys] = path;
  return (variables) => {
    let value: unknown = Object.prototype.hasOwnProperty.call(variables, name) ? variables[name] : null;
    for (const key of keys) {
      if (value === null || value === undefined) return null;
      if (typeof value !== 'object' || Array.isArray(value) || !isPlainObject(value)) return NOT_DIRECT;
      value = Object.prototype.hasOwnProperty.call(value, key) ? (value as Variables)[key] : null;
    }
    if (typeof value === 'function' || (value !== null && typeof value === 'object' && !Array.isArray(value) && !isPlainObject(value))) return NOT_DIRECT;
    return value === undefined ? null : value;
  };
}

type Op = '=' | '!=' | '<' | '<=' | '>' | '>=';
const ORDER: Record<Exclude<Op, '=' | '!='>, (a: number, b: number) => boolean> = {
  '<': (a, b) => a < b,
  '<=': (a, b) => a <= b,
  '>': (a, b) => a > b,
  '>=': (a, b) => a >= b,
};

/**
 * The conditions of most gateways, `=priority <= 2`, `=outcome = "resolved"`, `=manager != null`: two
 * names, paths or literals compared. Answered here where FEEL's answer is plain (equality of two values
 * of one JSON type or with null, order of two numbers); anything else (two types, strings ordered,
 * lists, dates) goes to feelin. test/expr/feelDirect.test.ts holds the answers against feelin's.
 */
function comparisonOf(nodes: { name: string; text: string }[]): Direct | undefined {
  const at = nodes.findIndex((n) => n.name === 'CompareOp');
  if (at < 3 || nodes.slice(at + 1).some((n) => n.name === 'CompareOp' || n.name === 'Comparison')) return undefined;
  const op = nodes[at].text as Op;
  if (!['=', '!=', '<', '<=', '>', '>='].includes(op)) return undefined;
  const side = (part: { name: string; text: string }[]): Direct | undefined =>
    part.length ? directOf(part[0].text, [{ name: 'Expression', text: part[0].text }, ...part]) : undefined;
  const left = side(nodes.slice(2, at));
  const right = side(nodes.slice(at + 1));
  if (!left || !right) return undefined;
  return (variables) => {
    const l = left(variables);
    const r = right(variables);
    if (l === NOT_DIRECT || r === NOT_DIRECT) return NOT_DIRECT;
    if (op === '=' || op === '!=') {
      if (l !== null && r !== null && (typeof l !== typeof r || !['number', 'string', 'boolean'].includes(typeof l))) return NOT_DIRECT;
      return op === '=' ? l === r : l !== r;
    }
    if (typeof l === 'number' && typeof r === 'number') return ORDER[op](l, r);
    return NOT_DIRECT;
  };
}

/** Parse verdicts by source: diagrams repeat the same few expressions on every evaluation. */
const parsedBySource = new Map<string, Parsed>();
const MAX_CHECKED = 10_000;

export function parsed(source: string): Parsed {
  let entry = parsedBySource.get(source);
  if (!entry) {
    entry = parse(body(source));
    if (parsedBySource.size >= MAX_CHECKED) parsedBySource.clear();
    parsedBySource.set(source, entry);
  }
  return entry;
}

/** The variable names a FEEL expression reads (none for a literal). */
export function referencedNames(source: string): string[] {
  return isFeel(source) ? [...parsed(source).names] : [];
}

/** The parse error of a FEEL expression (`=...`), or undefined when it parses or is a literal. */
export function checkExpression(source: string): string | undefined {
  return isFeel(source) ? parsed(source).problem : undefined;
}

function parse(text: string): Parsed {
  const names = new Set<string>();
  if (!text.trim()) return { problem: 'empty expression', names };
  try {
    const tree = parseExpression(text, {}, undefined);
    let problem: string | undefined;
    let iterates = false;
    let invoked = false;
    const nodes: { name: string; text: string }[] = [];
    tree.iterate({
      enter(node) {
        if (problem) return false;
        const source = text.slice(node.from, node.to);
        if (node.type.isError) problem = `syntax error at ${node.from}: "${text.slice(Math.max(0, node.from - 10), node.to + 10)}"`;
        else if (node.name === 'VariableName') {
          names.add(source);
          // the name right after FunctionInvocation is the function called
          if (invoked && !CHEAP_FUNCTIONS.has(source.replace(/\s+/g, ' '))) iterates = true;
        }
        invoked = node.name === 'FunctionInvocation';
        if (ITERATING.has(node.name)) iterates = true;
        if (nodes.length <= 64) nodes.push({ name: node.name, text: source });
        return undefined;
      },
    });
    if (problem) return { problem, names };
    return { names, iterates, direct: nodes.length <= 64 ? directOf(text, nodes) : undefined };
  } catch (err) {
    return { problem: (err as Error).message, names };
  }
}

/** A key FEEL can only read as a context-sensitive name (spaces, operators): always handed over. */
export const SIMPLE_NAME = /^[\p{L}_?][\p{L}\p{N}_?]*$/u;

/**
 * A plain object of any realm: its prototype is null or some realm's Object.prototype. (Objects made by
 * structuredClone, or in another vm context as under jest, have a different Object.prototype.)
 */
export function isPlainObject(value: object): boolean {
  const proto = Object.getPrototypeOf(value);
  return proto === null || (Object.getPrototypeOf(proto) === null && Object.prototype.toString.call(value) === '[object Object]');
}
