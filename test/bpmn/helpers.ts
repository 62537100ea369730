/** Builders for small BPMN documents and assertions on DeploymentError, shared by the bpmn tests. */
import { parseBpmn } from '../../engine/bpmn/parse';
import { DeploymentError, type ModelProblem } from '../../engine/bpmn/model';

export const NAMESPACES =
  'xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" ' +
  'xmlns:bpmndi="http://www.omg.org/spec/BPMN/20100524/DI" ' +
  'xmlns:dc="http://www.omg.org/spec/DD/20100524/DC" ' +
  'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" ' +
  'xmlns:zeebe="http://camunda.org/schema/zeebe/1.0" ' +
  'xmlns:camunda="http://camunda.org/schema/1.0/bpmn" ' +
  'xmlns:vendor="http://vendor.example/ext"';

/** A bpmn:definitions document around root elements. */
export function definitions(...roots: string[]): string {
  return `<?xml version="1.0" encoding="UTF-8"?>\n<bpmn:definitions ${NAMESPACES} id="Defs" targetNamespace="http://test">\n${roots.join('\n')}\n</bpmn:definitions>`;
}

/** An executable process `P` with the given content. */
export function process(content: string, id = 'P', attrs = 'isExecutable="true"'): string {
  return `<bpmn:process id="${id}" ${attrs}>\n${content}\n</bpmn:process>`;
}

/** A document with one executable process `P`, plus optional extra root elements (messages, errors...). */
export function doc(content: string, ...roots: string[]): string {
  return definitions(...roots, process(content));
}

export function flow(id: string, source: string, target: string, condition?: string): string {
  if (condition === undefined) return `<bpmn:sequenceFlow id="${id}" sourceRef="${source}" targetRef="${target}" />`;
  return `<bpmn:sequenceFlow id="${id}" sourceRef="${source}" targetRef="${target}"><bpmn:conditionExpression xsi:type="bpmn:tFormalExpression">${condition}</bpmn:conditionExpression></bpmn:sequenceFlow>`;
}

export const START = '<bpmn:startEvent id="Start" />';

export function message(id: string, name: string | undefined, correlationKey?: string): string {
  const nameAttr = name === undefined ? '' : ` name="${name}"`;
  if (correlationKey === undefined) return `<bpmn:message id="${id}"${nameAttr} />`;
  return `<bpmn:message id="${id}"${nameAttr}><bpmn:extensionElements><zeebe:subscription correlationKey="${correlationKey}" /></bpmn:extensionElements></bpmn:message>`;
}

/** Parses and expects a DeploymentError (any other outcome fails the test). */
export async function refusal(xml: string, options?: { maxBytes?: number; maxDepth?: number }): Promise<DeploymentError> {
  let outcome: unknown;
  try {
    const parsed = await parseBpmn(xml, options);
    outcome = new Error(`expected a DeploymentError, but the document parsed: ${JSON.stringify(parsed).slice(0, 300)}`);
  } catch (err) {
    outcome = err;
  }
  if (!(outcome instanceof DeploymentError)) throw outcome;
  expect(outcome.problems.length).toBeGreaterThan(0);
  for (const problem of outcome.problems) {
    expect(typeof problem.message).toBe('string');
    expect(problem.message.length).toBeGreaterThan(0);
  }
  return outcome;
}

/** Asserts that some problem has the element id and a message containing `text`. */
export function expectProblem(error: DeploymentError, elementId: string | undefined, text: string): ModelProblem {
  const found = error.problems.find((p) => p.elementId === elementId && p.message.includes(text));
  if (!found) {
    throw new Error(`no problem for ${elementId ?? '(document)'} containing "${text}"; problems were:\n${JSON.stringify(error.problems, null, 1)}`);
  }
  return found;
}
