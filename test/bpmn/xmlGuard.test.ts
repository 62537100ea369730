/**
 * Hostile and broken input: refused with a DeploymentError, never a crash. What would cost the XML
 * reader more than linear time is refused by the guard's own linear scan first (each such test checks
 * that guardXml alone refuses it); how long it takes is measured by the benchmark, not here.
 */
import { parseBpmn } from '../../engine/bpmn/parse';
import { deepestNesting, guardXml } from '../../engine/bpmn/xmlGuard';
import { DeploymentError } from '../../engine/bpmn/model';
import { START, definitions, doc, expectProblem, refusal } from './helpers';

/** The guard's linear pre-scan refuses the document by itself (the reader never sees it). */
function expectGuardRefuses(xml: string, text: string): void {
  expect(
    guardXml(xml)
      .map((p) => p.message)
      .join('\n'),
  ).toContain(text);
}

describe('xmlGuard', () => {
  test('refuses the empty string and whitespace', async () => {
    expectProblem(await refusal(''), undefined, 'empty');
    expectProblem(await refusal('  \n\t '), undefined, 'empty');
    expectProblem(await refusal('\ufeff'), undefined, 'empty');
  });

  test('refuses text that is not XML', async () => {
    expectProblem(await refusal('hello world'), undefined, 'not XML');
    expectProblem(await refusal('{"bpmn": true}'), undefined, 'not XML');
  });

  test('refuses a non-string argument with a DeploymentError', async () => {
    expectProblem(await refusal(undefined as unknown as string), undefined, 'must be a string');
    expectProblem(await refusal(Buffer.from('<x/>') as unknown as string), undefined, 'must be a string');
  });

  test('refuses a DOCTYPE with the billion laughs entity expansion', async () => {
    const lol = `<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol9 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
]>
${definitions('<bpmn:process id="P" isExecutable="true"><bpmn:startEvent id="S" name="&lol9;" /></bpmn:process>')}`;
    expectProblem(await refusal(lol), 'Defs', 'DOCTYPE');
    expectGuardRefuses(lol, 'DOCTYPE');
  });

  test('refuses an external entity (XXE) and a bare ENTITY declaration', async () => {
    const xxe = `<?xml version="1.0"?><!DOCTYPE d [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>${definitions('<bpmn:process id="P" name="&xxe;" />')}`;
    expectProblem(await refusal(xxe), 'Defs', 'DOCTYPE');
    expectProblem(await refusal(`<!ENTITY x "y">${definitions()}`), 'Defs', 'ENTITY');
  });

  test('refuses a generated 6 MB document on its size', async () => {
    const filler = Array.from({ length: 70000 }, (_, i) => `<bpmn:task id="T${i}" name="${'x'.repeat(70)}" />`).join('\n');
    const xml = doc(START + filler);
    expect(Buffer.byteLength(xml)).toBeGreaterThan(6 * 1000 * 1000);
    expectProblem(await refusal(xml), 'Defs', 'too large');
    expectGuardRefuses(xml, 'too large');
  });

  test('counts bytes, not characters: 2 MB of 3-byte characters exceeds a 5 MB limit', async () => {
    const xml = doc(`<bpmn:startEvent id="S" name="${'€'.repeat(2 * 1024 * 1024)}" />`);
    expect(xml.length).toBeLessThan(5 * 1024 * 1024);
    expectProblem(await refusal(xml), 'Defs', 'too large');
  });

  test('honours maxBytes and maxDepth options', async () => {
    const xml = doc(START);
    expectProblem(await refusal(xml, { maxBytes: 100 }), 'Defs', 'limit is 100 bytes');
    // definitions > process > startEvent/ (self-closing) is 2 levels deep
    expectProblem(await refusal(xml, { maxDepth: 1 }), 'Defs', 'deeper than the limit of 1');
    await expect(parseBpmn(xml, { maxDepth: 2 })).resolves.toBeDefined();
    await expect(parseBpmn(xml, { maxBytes: Buffer.byteLength(xml) })).resolves.toBeDefined();
  });

  test('refuses 10,000-deep nesting before reading it', async () => {
    const depth = 10000;
    const xml = definitions(`${'<vendor:a>'.repeat(depth)}${'</vendor:a>'.repeat(depth)}`);
    expectProblem(await refusal(xml), 'Defs', 'deeper than the limit of 100');
    expectGuardRefuses(xml, 'deeper than the limit of 100');
  });

  test('depth scan skips comments, CDATA, processing instructions and quoted ">"', () => {
    const text = '<?xml version="1.0"?><a x="1>2" y=\'/>\'><!-- <b><b><b> --><![CDATA[<c><c>]]><d/><e><f></f></e></a>';
    expect(deepestNesting(text, 100)).toBe(3);
    expect(guardXml(text, { maxDepth: 3 })).toEqual([]);
    expect(guardXml(text, { maxDepth: 2 })).toHaveLength(1);
  });
});

describe('malformed XML', () => {
  test('a mismatched closing tag gives moddle message in a DeploymentError', async () => {
    const error = await refusal(doc('<bpmn:startEvent id="S"></bpmn:endEvent>'));
    expectProblem(error, 'Defs', 'not well-formed');
    expectProblem(error, 'Defs', 'closing tag mismatch');
  });

  test('an unclosed document', async () => {
    expectProblem(await refusal('<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"><bpmn:process id="P">'), undefined, '');
  });

  test('XML that is not BPMN', async () => {
    expectProblem(await refusal('<note><to>Tove</to></note>'), undefined, 'not a BPMN 2.0 document');
  });

  test('a definitions without any process', async () => {
    expectProblem(await refusal(definitions()), 'Defs', 'contains no process');
  });

  test('many foreign elements outside extensionElements are refused by the guard', async () => {
    // moddle reports each one with a scan from the document start: quadratic time if let through
    const body = Array.from({ length: 60000 }, (_, i) => `<vendor:x id="a${i}"/>`).join('\n');
    const value = await refusal(doc(START + body));
    expectProblem(value, 'Defs', 'more than 100 parts a BPMN reader cannot place');
    expectProblem(value, 'Defs', '<vendor:x> on line 4');
    expectGuardRefuses(doc(START + body), 'more than 100 parts a BPMN reader cannot place');
  });

  test('many unknown BPMN elements are refused by the guard too', async () => {
    const body = Array.from({ length: 150 }, (_, i) => `<bpmn:fooTask id="f${i}" />`).join('');
    expectProblem(await refusal(doc(START + body)), 'Defs', 'the first is <bpmn:fooTask>');
  });

  test('vendor extension content is never counted, whatever namespace its children use', async () => {
    // like the ITP exporter of MIWG C.3.0: unprefixed (default BPMN namespace) children of a vendor element
    const attributes = Array.from({ length: 300 }, (_, i) => `<attribute name="a${i}"><attribute name="nested" /></attribute>`).join('');
    const xml = definitions(
      `<process id="P" isExecutable="true" xmlns="http://www.omg.org/spec/BPMN/20100524/MODEL"><extensionElements><vendor:attrs>${attributes}</vendor:attrs></extensionElements><startEvent id="S" /></process>`,
    );
    expect(guardXml(xml)).toEqual([]);
    await expect(parseBpmn(xml)).resolves.toMatchObject({ processes: [{ id: 'P' }] });
  });

  test('a few foreign elements are ignored, wherever they are', async () => {
    const xml = doc(
      `<vendor:x id="v1"><vendor:inner /></vendor:x><bpmn:startEvent id="S"><vendor:y /><bpmn:extensionElements><vendor:z><vendor:deep /></vendor:z></bpmn:extensionElements></bpmn:startEvent>`,
    );
    const parsed = await parseBpmn(xml);
    expect(Object.keys(parsed.processes[0].nodes)).toEqual(['S']);
  });

  test('a document moddle can only read in quadratic time (stray text) is refused by the guard', async () => {
    // moddle reports every piece of stray text slowly, so the guard counts them like unknown elements
    const body = Array.from({ length: 60000 }, (_, i) => `x<bpmn:task id="T${i}" />`).join('\n');
    const xml = doc(START + body);
    expect(xml.length).toBeGreaterThan(1_000_000);
    expectProblem(await refusal(xml), 'Defs', 'stray text');
    expectGuardRefuses(xml, 'stray text');
    // the parser still works afterwards
    await expect(parseBpmn(doc(START))).resolves.toMatchObject({ processes: [{ id: 'P' }] });
  });

  test('a valid 4.5 MB diagram passes the guard and parses', async () => {
    const parts: string[] = ['<bpmn:startEvent id="S" />'];
    const shapes: string[] = [];
    const n = 8000;
    for (let i = 0; i < n; i++) {
      parts.push(
        `<bpmn:userTask id="T${i}" name="Task number ${i}"><bpmn:extensionElements><zeebe:assignmentDefinition candidateGroups="g" /></bpmn:extensionElements><bpmn:incoming>F${i}</bpmn:incoming><bpmn:outgoing>F${i + 1}</bpmn:outgoing></bpmn:userTask>`,
        `<bpmn:sequenceFlow id="F${i}" sourceRef="${i ? `T${i - 1}` : 'S'}" targetRef="T${i}" />`,
      );
      shapes.push(`<bpmndi:BPMNShape id="T${i}_di" bpmnElement="T${i}"><dc:Bounds x="${i * 10}" y="30" width="100" height="80" /></bpmndi:BPMNShape>`);
    }
    parts.push(`<bpmn:endEvent id="E" />`, `<bpmn:sequenceFlow id="F${n}" sourceRef="T${n - 1}" targetRef="E" />`);
    const xml = definitions(
      `<bpmn:process id="Big" isExecutable="true">${parts.join('\n')}</bpmn:process>`,
      `<bpmndi:BPMNDiagram id="D"><bpmndi:BPMNPlane id="Pl" bpmnElement="Big">${shapes.join('\n')}${shapes
        .join('\n')
        .replace(/_di"/g, '_di2"')
        .replace(/bpmnElement="T/g, 'bpmnElement="T')}</bpmndi:BPMNPlane></bpmndi:BPMNDiagram>`,
    );
    expect(Buffer.byteLength(xml)).toBeGreaterThan(3_000_000);
    expect(Buffer.byteLength(xml)).toBeLessThan(5 * 1024 * 1024);
    expect(guardXml(xml)).toEqual([]);
    const value = await parseBpmn(xml);
    expect(value.processes[0].nodes.T7999.outgoing).toEqual([`F${n}`]);
  });

  test('the thrown error is a DeploymentError with a readable message', async () => {
    const err = await parseBpmn('<<<').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DeploymentError);
    expect((err as DeploymentError).message).toMatch(/^BPMN deployment refused \(1 problem\): /);
  });
});
