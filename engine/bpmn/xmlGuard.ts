/**
 * Cheap checks on the raw text before any XML parser sees it: size, emptiness, DTDs (XXE and entity
 * expansion), element nesting depth, and elements the reader will not be able to place. All of it is
 * one linear pass over the input, so a hostile document is refused in milliseconds. BPMN and DMN
 * documents (both read by moddle) go through the same guard, each with its vocabulary.
 *
 * Why count unplaceable elements: moddle reports each one with a context it computes by scanning the
 * document from its start, so thousands of them make parsing quadratic. Documents with more than
 * MAX_UNPLACEABLE of them are refused here; the parse itself also runs under a time budget (readXml).
 */
import bpmnDescriptor from 'bpmn-moddle/resources/bpmn/json/bpmn.json';
import dmnDescriptor from 'dmn-moddle/resources/dmn/json/dmn13.json';
import zeebeDescriptor from 'zeebe-bpmn-moddle/resources/zeebe.json';
import type { ModelProblem } from './model';

export const DEFAULT_MAX_BYTES = 5 * 1024 * 1024;
export const DEFAULT_MAX_DEPTH = 100;
export const MAX_UNPLACEABLE = 100;

const BPMN_NS = 'http://www.omg.org/spec/BPMN/20100524/MODEL';
const ZEEBE_NS = 'http://camunda.org/schema/zeebe/1.0';
const DI_NAMESPACES = new Set(['http://www.omg.org/spec/BPMN/20100524/DI', 'http://www.omg.org/spec/DD/20100524/DC', 'http://www.omg.org/spec/DD/20100524/DI']);

export interface GuardOptions {
  maxBytes?: number;
  maxDepth?: number;
}

/** What a reader knows: its label in messages, which elements it places where, which take no text. */
export interface Vocabulary {
  label: 'BPMN' | 'DMN';
  /** Namespaces the reader reads itself (anything else is an extension it skips). */
  known(ns: string | undefined): boolean;
  placeable(parent: OpenElement, ns: string | undefined, local: string): boolean;
  /** Elements that hold only elements: text in them cannot be placed. */
  textless(parent: OpenElement): boolean;
}

/** Returns the problems of the document (empty when it may be handed to the XML parser). */
export function guardXml(xml: unknown, options: GuardOptions = {}, vocabulary: Vocabulary = BPMN): ModelProblem[] {
  const maxBytes = options.maxBytes ?? DEFAULT_MAX_BYTES;
  const maxDepth = options.maxDepth ?? DEFAULT_MAX_DEPTH;
  const doc = `the ${vocabulary.label} document`;

  if (typeof xml !== 'string') {
    return [{ message: `${doc} must be a string of XML, got ${xml === null ? 'null' : typeof xml}` }];
  }
  // UTF-8 needs at least one byte per UTF-16 code unit: a long string is refused on its length alone.
  if (xml.length > maxBytes) return [tooLarge(doc, `at least ${xml.length}`, maxBytes)];
  const bytes = Buffer.byteLength(xml, 'utf8');
  if (bytes > maxBytes) return [tooLarge(doc, String(bytes), maxBytes)];

  const text = xml.charCodeAt(0) === 0xfeff ? xml.slice(1) : xml;
  const first = text.search(/\S/);
  if (first < 0) return [{ message: `${doc} is empty` }];
  if (text[first] !== '<') {
    return [{ message: `${doc} is not XML: it starts with "${text.slice(first, first + 20)}" instead of "<"` }];
  }

  const dtd = /<!\s*(DOCTYPE|ENTITY)/i.exec(text);
  if (dtd) {
    return [
      {
        message: `${doc} contains a <!${dtd[1].toUpperCase()} declaration; DTDs and entity declarations are refused (XXE / entity expansion)`,
      },
    ];
  }

  const scan = scanElements(text, maxDepth, vocabulary);
  if (scan.deepest > maxDepth) {
    return [{ message: `${doc} nests elements deeper than the limit of ${maxDepth} levels` }];
  }
  if (scan.unplaceable > MAX_UNPLACEABLE && scan.firstUnplaceable) {
    const { name, offset } = scan.firstUnplaceable;
    return [
      {
        message:
          `${doc} has more than ${MAX_UNPLACEABLE} parts a ${vocabulary.label} reader cannot place ` +
          `(the first is ${name === '#text' ? 'text' : `<${name}>`} on line ${lineOf(text, offset)}): unknown ${vocabulary.label} elements, ` +
          `stray text, or non-${vocabulary.label} elements outside extensionElements`,
      },
    ];
  }
  return [];
}

function tooLarge(doc: string, bytes: string, maxBytes: number): ModelProblem {
  return { message: `${doc} is too large: ${bytes} bytes, the limit is ${maxBytes} bytes` };
}

function lineOf(text: string, offset: number): number {
  let line = 1;
  for (let i = text.indexOf('\n'); i >= 0 && i < offset; i = text.indexOf('\n', i + 1)) line++;
  return line;
}

/** Depth of the deepest element (stops counting once `limit` is exceeded). */
export function deepestNesting(text: string, limit: number): number {
  return scanElements(text, limit, BPMN).deepest;
}

let knownNames: { bpmn: Set<string>; zeebe: Set<string> } | undefined;

/** Element names moddle knows: BPMN types and property elements, zeebe types (as written in XML). */
function names(): { bpmn: Set<string>; zeebe: Set<string> } {
  if (!knownNames) {
    const lower = (s: string): string => s.charAt(0).toLowerCase() + s.slice(1);
    const bpmn = new Set<string>();
    for (const type of bpmnDescriptor.types as { name: string; properties?: { name: string; isAttr?: boolean }[] }[]) {
      bpmn.add(lower(type.name));
      for (const prop of type.properties ?? []) if (!prop.isAttr) bpmn.add(prop.name);
    }
    const zeebe = new Set<string>((zeebeDescriptor.types as { name: string }[]).map((t) => lower(t.name)));
    knownNames = { bpmn, zeebe };
  }
  return knownNames;
}

export interface OpenElement {
  ns: string | undefined;
  local: string;
  /** Inside a non-BPMN element: moddle reads the subtree generically or skips it, either way silently. */
  inert: boolean;
  /** Prefixes this element declared (popped with it). */
  declared?: string[];
}

interface Scan {
  deepest: number;
  unplaceable: number;
  firstUnplaceable?: { name: string; offset: number };
}

/**
 * One pass over the tags, counting open minus close tags for the depth and predicting which elements
 * moddle cannot place: non-BPMN elements directly inside BPMN elements other than extensionElements,
 * and BPMN or zeebe elements with unknown names. Comments, CDATA sections, processing instructions and
 * quoted attribute values are skipped; malformed markup is left to the XML parser. Linear for any input.
 */
function scanElements(text: string, limit: number, vocabulary: Vocabulary): Scan {
  const scan: Scan = { deepest: 0, unplaceable: 0 };
  const stack: OpenElement[] = [];
  const namespaces = new Map<string, string[]>();
  const n = text.length;
  let i = 0;
  while (i < n) {
    const lt = text.indexOf('<', i);
    if (lt < 0) break;
    const top = stack.at(-1);
    if (lt > i && top && !top.inert && vocabulary.textless(top) && text.slice(i, lt).trim()) {
      // moddle reports each piece of text in an element that takes none, as slowly as unknown elements
      scan.unplaceable++;
      scan.firstUnplaceable ??= { name: '#text', offset: i };
    }
    const next = text[lt + 1];
    if (next === '!') {
      if (text.startsWith('<!--', lt)) i = skipPast(text, '-->', lt + 4);
      else if (text.startsWith('<![CDATA[', lt)) i = skipPast(text, ']]>', lt + 9);
      else i = skipPast(text, '>', lt + 2);
      continue;
    }
    if (next === '?') {
      i = skipPast(text, '?>', lt + 2);
      continue;
    }
    if (next === '/') {
      const closed = stack.pop();
      for (const prefix of closed?.declared ?? []) namespaces.get(prefix)?.pop();
      i = skipPast(text, '>', lt + 2);
      continue;
    }
    // An open tag: find its closing '>' outside quoted attribute values.
    let j = lt + 1;
    let quote = '';
    while (j < n) {
      const c = text[j];
      if (quote) {
        if (c === quote) quote = '';
      } else if (c === '"' || c === "'") {
        quote = c;
      } else if (c === '>') {
        break;
      }
      j++;
    }
    if (j >= n) break;
    const selfClosing = text[j - 1] === '/';
    const tag = text.slice(lt + 1, selfClosing ? j - 1 : j);
    const nameEnd = tag.search(/[\s/]|$/);
    const qname = tag.slice(0, nameEnd);
    const colon = qname.indexOf(':');
    const prefix = colon < 0 ? '' : qname.slice(0, colon);
    const local = colon < 0 ? qname : qname.slice(colon + 1);

    const declared = tag.includes('xmlns') ? declare(tag, namespaces) : undefined;
    const ns = namespaces.get(prefix)?.at(-1);
    const parent = stack.at(-1);
    if (parent && !parent.inert && !vocabulary.placeable(parent, ns, local)) {
      scan.unplaceable++;
      scan.firstUnplaceable ??= { name: qname, offset: lt };
    }
    if (selfClosing) {
      for (const p of declared ?? []) namespaces.get(p)?.pop();
    } else {
      stack.push({ ns, local, declared, inert: !!parent?.inert || !vocabulary.known(ns) });
      if (stack.length > scan.deepest) {
        scan.deepest = stack.length;
        if (scan.deepest > limit) return scan;
      }
    }
    i = j + 1;
  }
  return scan;
}

/** Registers the xmlns declarations of a tag; returns the prefixes declared. */
function declare(tag: string, namespaces: Map<string, string[]>): string[] {
  const declared: string[] = [];
  const decl = /\sxmlns(?::([\w.-]+))?\s*=\s*(?:"([^"]*)"|'([^']*)')/g;
  for (let m = decl.exec(tag); m; m = decl.exec(tag)) {
    const prefix = m[1] ?? '';
    let uris = namespaces.get(prefix);
    if (!uris) namespaces.set(prefix, (uris = []));
    uris.push(m[2] ?? m[3] ?? '');
    declared.push(prefix);
  }
  return declared;
}

/** BPMN elements that hold only elements, never text (text inside them cannot be placed). */
const BPMN_TEXTLESS = new Set([
  'definitions',
  'process',
  'subProcess',
  'collaboration',
  'participant',
  'laneSet',
  'lane',
  'extensionElements',
  'sequenceFlow',
  'startEvent',
  'endEvent',
  'intermediateCatchEvent',
  'intermediateThrowEvent',
  'boundaryEvent',
  'task',
  'userTask',
  'serviceTask',
  'sendTask',
  'receiveTask',
  'scriptTask',
  'businessRuleTask',
  'manualTask',
  'callActivity',
  'exclusiveGateway',
  'parallelGateway',
  'inclusiveGateway',
  'eventBasedGateway',
  'complexGateway',
  'message',
  'error',
  'signal',
  'escalation',
]);

export const BPMN: Vocabulary = {
  label: 'BPMN',
  known: (ns) => ns === BPMN_NS || ns === ZEEBE_NS || DI_NAMESPACES.has(ns ?? ''),
  placeable(parent, ns, local) {
    const known = names();
    if (ns !== undefined && DI_NAMESPACES.has(ns)) return true;
    const inExtensions = (parent.ns === BPMN_NS && parent.local === 'extensionElements') || (DI_NAMESPACES.has(parent.ns ?? '') && parent.local === 'extension');
    if (ns === BPMN_NS) return known.bpmn.has(local);
    if (ns === ZEEBE_NS) return parent.ns === ZEEBE_NS || (inExtensions && known.zeebe.has(local));
    return inExtensions;
  },
  textless: (parent) => parent.ns === BPMN_NS && BPMN_TEXTLESS.has(parent.local),
};

const DMN_NS = 'https://www.omg.org/spec/DMN/20191111/MODEL/';
const DMN_DI_NAMESPACES = new Set(['https://www.omg.org/spec/DMN/20191111/DMNDI/', 'http://www.omg.org/spec/DMN/20180521/DC/', 'http://www.omg.org/spec/DMN/20180521/DI/']);
const DMN_TEXTLESS = new Set([
  'definitions',
  'decision',
  'decisionTable',
  'input',
  'output',
  'rule',
  'inputEntry',
  'outputEntry',
  'inputExpression',
  'informationRequirement',
  'extensionElements',
]);
let dmnNames: Set<string> | undefined;

export const DMN: Vocabulary = {
  label: 'DMN',
  known: (ns) => ns === DMN_NS || DMN_DI_NAMESPACES.has(ns ?? ''),
  placeable(parent, ns, local) {
    if (ns !== undefined && DMN_DI_NAMESPACES.has(ns)) return true;
    if (ns === DMN_NS) {
      if (!dmnNames) {
        dmnNames = new Set<string>();
        for (const type of dmnDescriptor.types as { name: string; properties?: { name: string; isAttr?: boolean }[] }[]) {
          dmnNames.add(type.name.charAt(0).toLowerCase() + type.name.slice(1));
          for (const prop of type.properties ?? []) if (!prop.isAttr) dmnNames.add(prop.name);
        }
      }
      return dmnNames.has(local);
    }
    return parent.ns === DMN_NS && parent.local === 'extensionElements';
  },
  textless: (parent) => parent.ns === DMN_NS && DMN_TEXTLESS.has(parent.local),
};

function skipPast(text: string, token: string, from: number): number {
  const at = text.indexOf(token, from);
  return at < 0 ? text.length : at + token.length;
}
