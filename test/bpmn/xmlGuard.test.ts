/** Hostile and broken input: refused with a DeploymentError, quickly, never a crash. */
import { parseBpmn } from '../../engine/bpmn/parse';
import { deepestNesting, guardXml } from '../../engine/bpmn/xmlGuard';
import { DeploymentError } from '../../engine/bpmn/model';
import { START, definitions, doc, expectProblem, refusal } from './helpers';

async function timed<T>(work: () => Promise<T>): Promise<{ value: T; ms: number }> {
  const started = Date.now();
  const value = await work();
  return { value, ms: Date.now() - started };
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
    const { value, ms } = await timed(() => refusal(lol));
    expectProblem(value, undefined, 'DOCTYPE');
    expect(ms).toBeLessThan(1000);
  });

  test('refuses an external entity (XXE) and a bare ENTITY declaration', async () => {
    const xxe = `<?xml version="1.0"?><!DOCTYPE d [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>${definitions('<bpmn:process id="P" name="&xxe;" />')}`;
    expectProblem(await refusal(xxe), undefined, 'DOCTYPE');
    expectProblem(await refusal(`<!ENTITY x "y">${definitions()}`), undefined, 'ENTITY');
  });

  test('refuses a generated 6 MB document quickly, on its size', async () => {
    const filler = Array.from({ length: 70000 }, (_, i) => `<bpmn:task id="T${i}" name="${'x'.repeat(70)}" />`).join('\n');
    const xml = doc(START + filler);
    expect(Buffer.byteLength(xml)).toBeGreaterThan(6 * 1000 * 1000);
    const { value, ms } = await timed(() => refusal(xml));
    expectProblem(value, undefined, 'too large');
    expect(ms).toBeLessThan(500);
  });

  test('counts bytes, not characters: 2 MB of 3-byte characters exceeds a 5 MB limit', async () => {
    const xml = doc(`<bpmn:startEvent id="S" name="${'€'.repeat(2 * 1024 * 1024)}" />`);
    expect(xml.length).toBeLessThan(5 * 1024 * 1024);
    expectProblem(await refusal(xml), undefined, 'too large');
  });

  test('honours maxBytes and maxDepth options', async () => {
    const xml = doc(START);
    expectProblem(await refusal(xml, { maxBytes: 100 }), undefined, 'limit is 100 bytes');
    // definitions > process > startEvent/ (self-closing) is 2 levels deep
    expectProblem(await refusal(xml, { maxDepth: 1 }), undefined, 'deeper than the limit of 1');
    await expect(parseBpmn(xml, { maxDepth: 2 })).resolves.toBeDefined();
    await expect(parseBpmn(xml, { maxBytes: Buffer.byteLength(xml) })).resolves.toBeDefined();
  });

  test('refuses 10,000-deep nesting quickly', async () => {
    const depth = 10000;
    const xml = definitions(`${'<vendor:a>'.repeat(depth)}${'</vendor:a>'.repeat(depth)}`);
    const { value, ms } = await timed(() => refusal(xml));
    expectProblem(value, undefined, 'deeper than the limit of 100');
    expect(ms).toBeLessThan(500);
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
    expectProblem(error, undefined, 'not well-formed');
    expectProblem(error, undefined, 'closing tag mismatch');
  });

  test('an unclosed document', async () => {
    expectProblem(await refusal('<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"><bpmn:process id="P">'), undefined, '');
  });

  test('XML that is not BPMN', async () => {
    expectProblem(await refusal('<note><to>Tove</to></note>'), undefined, 'not a BPMN 2.0 document');
  });

  test('a definitions without any process', async () => {
    expectProblem(await refusal(definitions()), undefined, 'contains no process');
  });

  test('many foreign elements outside extensionElements are refused by the guard, in milliseconds', async () => {
    // moddle reports each one with a scan from the document start: quadratic time if let through
    const body = Array.from({ length: 60000 }, (_, i) => `<vendor:x id="a${i}"/>`).join('\n');
    const { value, ms } = await timed(() => refusal(doc(START + body)));
    expectProblem(value, undefined, 'more than 100 parts a BPMN reader cannot place');
    expectProblem(value, undefined, '<vendor:x> on line 4');
    expect(ms).toBeLessThan(1000);
  });

  test('many unknown BPMN elements are refused by the guard too', async () => {
    const body = Array.from({ length: 150 }, (_, i) => `<bpmn:fooTask id="f${i}" />`).join('');
    expectProblem(await refusal(doc(START + body)), undefined, 'the first is <bpmn:fooTask>');
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
    const xml = doc(`<vendor:x id="v1"><vendor:inner /></vendor:x><bpmn:startEvent id="S"><vendor:y /><bpmn:extensionElements><vendor:z><vendor:deep /></vendor:z></bpmn:extensionElements></bpmn:startEvent>`);
    const parsed = await parseBpmn(xml);
    expect(Object.keys(parsed.processes[0].nodes)).toEqual(['S']);
  });

  test('a document moddle can only read in quadratic time (stray text) is refused quickly', async () => {
    // moddle reports every piece of stray text slowly, so the guard counts them like unknown elements
    const body = Array.from({ length: 60000 }, (_, i) => `x<bpmn:task id="T${i}" />`).join('\n');
    const xml = doc(START + body);
    expect(xml.length).toBeGreaterThan(1_000_000);
    const { value, ms } = await timed(() => refusal(xml));
    expectProblem(value, undefined, 'stray text');
    expect(ms).toBeLessThan(5000);
    // the parser still works afterwards
    await expect(parseBpmn(doc(START))).resolves.toMatchObject({ processes: [{ id: 'P' }] });
  });

  test('a valid 4.5 MB diagram parses within the budget', async () => {
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
      `<bpmndi:BPMNDiagram id="D"><bpmndi:BPMNPlane id="Pl" bpmnElement="Big">${shapes.join('\n')}${shapes.join('\n').replace(/_di"/g, '_di2"').replace(/bpmnElement="T/g, 'bpmnElement="T')}</bpmndi:BPMNPlane></bpmndi:BPMNDiagram>`,
    );
    expect(Buffer.byteLength(xml)).toBeGreaterThan(3_000_000);
    expect(Buffer.byteLength(xml)).toBeLessThan(5 * 1024 * 1024);
    const { value, ms } = await timed(() => parseBpmn(xml));
    expect(value.processes[0].nodes.T7999.outgoing).toEqual([`F${n}`]);
    console.log(`valid ${Buffer.byteLength(xml)} byte diagram parsed in ${ms} ms`);
    expect(ms).toBeLessThan(6000);
  });

  test('the thrown error is a DeploymentError with a readable message', async () => {
    const err = await parseBpmn('<<<').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DeploymentError);
    expect((err as DeploymentError).message).toMatch(/^BPMN deployment refused \(1 problem\): /);
  });
});
