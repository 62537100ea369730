/**
 * XML -> moddle tree through bpmn-moddle with the zeebe extension. Moddle is lenient: it reports what
 * it could not place in `warnings` and drops it. Here those warnings become problems (unknown BPMN or
 * zeebe elements and attributes, duplicate or illegal ids), except for foreign extensions, which are
 * ignored, and unresolved references, which are handed to the readers so they can name the property.
 *
 * Moddle's error reporting costs time proportional to the position of each error in the document, so a
 * document full of unreadable elements would parse in quadratic time: xmlGuard refuses such documents
 * (too many unplaceable elements) before they get here.
 */
import { BpmnModdle, type ModdleElement, type ModdleWarning } from 'bpmn-moddle';
import zeebeDescriptor from 'zeebe-bpmn-moddle/resources/zeebe.json';
import type { ModelProblem } from './model';

export const BPMN_NS = 'http://www.omg.org/spec/BPMN/20100524/MODEL';
export const ZEEBE_NS = 'http://camunda.org/schema/zeebe/1.0';

export interface ReadResult {
  definitions?: ModdleElement;
  problems: ModelProblem[];
  /** Unresolved references: element -> local property name (e.g. 'sourceRef') -> id as written. */
  unresolved: Map<ModdleElement, Map<string, string>>;
}

let sharedModdle: BpmnModdle | undefined;

function moddle(): BpmnModdle {
  sharedModdle ??= new BpmnModdle({ zeebe: zeebeDescriptor });
  return sharedModdle;
}

export async function readXml(xml: string): Promise<ReadResult> {
  let parsed: Awaited<ReturnType<BpmnModdle['fromXML']>>;
  try {
    parsed = await moddle().fromXML(xml);
  } catch (err) {
    return notReadable(err, xml);
  }
  const { problems, unresolved } = classifyWarnings(xml, parsed.warnings);
  return { definitions: parsed.rootElement, problems, unresolved };
}

function notReadable(err: unknown, xml: string): ReadResult {
  const message = err instanceof Error ? err.message : String(err);
  const found = rootNamespace(xml);
  const text = /failed to parse document as <bpmn:Definitions>/.test(message)
    ? `not a BPMN 2.0 document: the root element must be <definitions> in namespace ${BPMN_NS}${found ? `, this one is <${found.name}> in ${found.ns} (an older or other dialect: save it as BPMN 2.0 from its modeler)` : ` (${message})`}`
    : `the BPMN document is not well-formed XML: ${oneLine(message)}`;
  return { problems: [{ message: text }], unresolved: new Map() };
}

/** The root element's name and namespace as written (for the message of a document in another dialect). */
function rootNamespace(xml: string): { name: string; ns: string } | undefined {
  const root = /<(?![?!])([^\s>/]+)([^>]*)>/.exec(xml.slice(0, 65_536));
  if (!root) return undefined;
  const [prefix, local] = root[1].includes(':') ? root[1].split(':') : ['', root[1]];
  const ns = new RegExp(`\\bxmlns${prefix ? `:${prefix}` : ''}\\s*=\\s*["']([^"']+)["']`).exec(root[2])?.[1];
  return ns ? { name: local, ns } : undefined;
}

function oneLine(message: string): string {
  return message.replace(/\s*\n\s*/g, ', ');
}

function classifyWarnings(xml: string, warnings: ModdleWarning[]): { problems: ModelProblem[]; unresolved: Map<ModdleElement, Map<string, string>> } {
  const problems: ModelProblem[] = [];
  const unresolved = new Map<ModdleElement, Map<string, string>>();
  let locator: TagLocator | undefined;

  for (const warning of warnings) {
    const { message } = warning;
    if (message.startsWith('unsupported document encoding')) continue; // moddle reads it as UTF-8

    const ref = /^unresolved reference <(.*)>$/s.exec(message);
    if (ref && warning.element) {
      const prop = localName(warning.property ?? '');
      let props = unresolved.get(warning.element);
      if (!props) unresolved.set(warning.element, (props = new Map()));
      props.set(prop, ref[1]);
      continue;
    }

    const attr = /^unknown attribute <(.*)>$/s.exec(message);
    if (attr && warning.element) {
      const elementPrefix = prefixOf(warning.element.$type);
      const attrPrefix = attr[1].includes(':') ? prefixOf(attr[1]) : elementPrefix;
      if ((elementPrefix === 'bpmn' || elementPrefix === 'zeebe') && (attrPrefix === 'bpmn' || attrPrefix === 'zeebe')) {
        problems.push({
          elementId: warning.element.id,
          message: `unknown attribute "${attr[1]}" on <${warning.element.$type}>`,
        });
      }
      continue;
    }

    const unparsable = /^unparsable content (.*?) ?detected\n\tline: (\d+)\n\tcolumn: (\d+)\n\tnested error: (.*)$/s.exec(message);
    if (unparsable) {
      locator ??= new TagLocator(xml);
      const problem = classifyUnparsable(locator, unparsable[1], Number(unparsable[2]), Number(unparsable[3]), unparsable[4]);
      if (problem) problems.push(problem);
      continue;
    }

    const elementId = warning.element?.id;
    problems.push(elementId === undefined ? { message: oneLine(message) } : { elementId, message: oneLine(message) });
  }
  return { problems, unresolved };
}

function classifyUnparsable(locator: TagLocator, data: string, line: number, column: number, nested: string): ModelProblem | undefined {
  const where = `line ${line + 1}`;
  const dup = /^duplicate ID <(.*)>$/.exec(nested);
  if (dup) return { elementId: dup[1], message: `duplicate id "${dup[1]}": ids must be unique in the document (${where})` };
  const illegal = /^illegal ID <(.*)>$/.exec(nested);
  if (illegal) {
    return { elementId: illegal[1], message: `illegal id "${illegal[1]}": an id must be an XML name, e.g. not start with a digit (${where})` };
  }
  const body = /^unexpected body text <(.*)>$/s.exec(nested);
  if (body) return { message: `unexpected text "${truncate(body[1].trim())}" inside an element that takes no text (${where})` };

  const tag = /^<([\w.-]+:)?([\w.-]+)/.exec(data);
  if (!tag) return { message: `cannot read ${truncate(data)}: ${nested} (${where})` };
  const qname = `${tag[1] ?? ''}${tag[2]}`;
  const ns = locator.namespaceOf(tag[1] ? tag[1].slice(0, -1) : '');
  const elementId = locator.idOfTag(qname, line, column);
  if (ns !== BPMN_NS && ns !== ZEEBE_NS) {
    // Foreign elements (vendor extensions, other namespaces) are ignored; DI oddities do not matter either.
    if (/^(unknown type|unrecognized element|unexpected element)/.test(nested)) return undefined;
  }
  if (/^unknown type/.test(nested)) {
    const what = ns === ZEEBE_NS ? 'unknown zeebe extension element' : 'unknown BPMN element';
    return { elementId, message: `${what} <${qname}> (${where}); it is not supported` };
  }
  if (/^unrecognized element/.test(nested)) {
    return { elementId, message: `element <${qname}> is not allowed where it appears (${where})` };
  }
  return { elementId, message: `cannot read <${qname}>: ${nested} (${where})` };
}

function truncate(s: string): string {
  return s.length > 60 ? `${s.slice(0, 57)}...` : s;
}

function prefixOf(qname: string): string {
  return qname.includes(':') ? qname.slice(0, qname.indexOf(':')) : '';
}

function localName(qname: string): string {
  return qname.includes(':') ? qname.slice(qname.indexOf(':') + 1) : qname;
}

/** Finds tags of the raw document from moddle's (0-based line, column) positions, built lazily. */
class TagLocator {
  private lineStarts?: number[];
  private namespaces?: Map<string, string>;

  constructor(private readonly xml: string) {}

  /** Namespace URI declared for a prefix anywhere in the document ('' = default namespace). */
  namespaceOf(prefix: string): string | undefined {
    if (!this.namespaces) {
      this.namespaces = new Map();
      const decl = /\sxmlns(?::([\w.-]+))?\s*=\s*(?:"([^"]*)"|'([^']*)')/g;
      for (let m = decl.exec(this.xml); m; m = decl.exec(this.xml)) {
        const uri = m[2] ?? m[3] ?? '';
        const key = m[1] ?? '';
        // A prefix bound to several URIs in one document: BPMN wins, so nothing BPMN is ignored.
        if (!this.namespaces.has(key) || uri === BPMN_NS || uri === ZEEBE_NS) this.namespaces.set(key, uri);
      }
    }
    return this.namespaces.get(prefix);
  }

  idOfTag(qname: string, line: number, column: number): string | undefined {
    if (!this.lineStarts) {
      this.lineStarts = [0];
      const breaks = /\r\n|\r|\n/g;
      for (let m = breaks.exec(this.xml); m; m = breaks.exec(this.xml)) this.lineStarts.push(m.index + m[0].length);
    }
    const lineStart = this.lineStarts[line] ?? 0;
    const needle = `<${qname}`;
    let at = this.xml.lastIndexOf(needle, lineStart + column + 1);
    if (at < lineStart) at = this.xml.indexOf(needle, lineStart);
    if (at < 0) return undefined;
    const end = this.xml.indexOf('>', at);
    const tag = this.xml.slice(at, end < 0 ? at + 4096 : Math.min(end, at + 4096));
    const id = /\sid\s*=\s*(?:"([^"]*)"|'([^']*)')/.exec(tag);
    return id ? (id[1] ?? id[2]) : undefined;
  }
}
