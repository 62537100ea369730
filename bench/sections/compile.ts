/**
 * Section 5, compile: a generated diagram of 500 flow nodes (a chain of service and user tasks with an
 * exclusive split/merge every few steps) through parseBpmn (XML guard, bpmn-moddle, readProcess,
 * validate) and compileProcess (graph + XState machine). Median of several runs after a warm-up.
 */
import { parseBpmn } from '../../engine/bpmn/parse';
import { compileProcess } from '../../engine/compile/machine';
import { type SectionContext, type SectionResult, pick } from '../lib/common';
import { median, msSince, now, percentile, round } from '../lib/stats';

/**
 * A process of exactly `total` flow nodes: Start, then blocks until the budget is used, then End.
 * Every fifth block is an exclusive split (`=amount > n`) with a task on each branch and a merge
 * (4 nodes); the others are one task (service tasks with a job type, or user tasks).
 */
export function generateChain(total: number): string {
  const nodes: string[] = [];
  const flows: string[] = [];
  let flowNo = 0;
  const flow = (from: string, to: string, condition?: string): string => {
    const id = `F${++flowNo}`;
    const body = condition ? `<bpmn:conditionExpression xsi:type="bpmn:tFormalExpression">${condition}</bpmn:conditionExpression>` : '';
    flows.push(`<bpmn:sequenceFlow id="${id}" sourceRef="${from}" targetRef="${to}">${body}</bpmn:sequenceFlow>`);
    return id;
  };
  const task = (id: string, n: number): string =>
    n % 2
      ? `<bpmn:serviceTask id="${id}" name="Step ${n}"><bpmn:extensionElements><zeebe:taskDefinition type="step-${n % 7}" retries="3" /></bpmn:extensionElements></bpmn:serviceTask>`
      : `<bpmn:userTask id="${id}" name="Step ${n}"><bpmn:extensionElements><zeebe:userTask /><zeebe:assignmentDefinition candidateGroups="service-desk" /></bpmn:extensionElements></bpmn:userTask>`;
  nodes.push('<bpmn:startEvent id="Start" />');
  let count = 2; // start + end
  let prev = 'Start';
  let block = 0;
  while (count < total) {
    block++;
    const left = total - count;
    if (block % 5 === 0 && left >= 4) {
      const [split, a, b, merge] = [`Split${block}`, `Hi${block}`, `Lo${block}`, `Merge${block}`];
      nodes.push(`<bpmn:exclusiveGateway id="${split}" default="D${block}" />`, task(a, block), task(b, block + 1), `<bpmn:exclusiveGateway id="${merge}" />`);
      flow(prev, split);
      flow(split, a, `=amount &gt; ${block}`);
      flows.push(`<bpmn:sequenceFlow id="D${block}" sourceRef="${split}" targetRef="${b}" />`);
      flow(a, merge);
      flow(b, merge);
      prev = merge;
      count += 4;
    } else {
      const id = `T${block}`;
      nodes.push(task(id, block));
      flow(prev, id);
      prev = id;
      count += 1;
    }
  }
  nodes.push('<bpmn:endEvent id="End" />');
  flow(prev, 'End');
  return `<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xmlns:zeebe="http://camunda.org/schema/zeebe/1.0" id="Defs_chain" targetNamespace="http://processdesk.example/bench">
  <bpmn:process id="bench-chain-${total}" isExecutable="true">
    ${nodes.join('\n    ')}
    ${flows.join('\n    ')}
  </bpmn:process>
</bpmn:definitions>`;
}

export async function run(ctx: SectionContext): Promise<SectionResult> {
  const size = 500;
  const runs = pick(ctx.mode, { full: 21, quick: 9, smoke: 3 });
  const xml = generateChain(size);
  const parseMs: number[] = [];
  const compileMs: number[] = [];
  const totalMs: number[] = [];
  let nodeCount = 0;
  ctx.log(`${runs} runs (after 2 warm-ups) of a generated ${size}-node diagram (${(xml.length / 1024).toFixed(0)} KiB)`);
  for (let r = -2; r < runs; r++) {
    const t0 = now();
    const parsed = await parseBpmn(xml);
    const t1 = now();
    compileProcess(parsed.processes[0]);
    const parse = Number(t1 - t0) / 1e6;
    const compile = msSince(t1);
    nodeCount = Object.keys(parsed.processes[0].nodes).length;
    if (r < 0) continue;
    parseMs.push(parse);
    compileMs.push(compile);
    totalMs.push(parse + compile);
  }
  if (nodeCount !== size) throw new Error(`generated diagram has ${nodeCount} nodes, expected ${size}`);
  const total = round(median(totalMs), 2);
  ctx.log(`parse+validate ${round(median(parseMs), 2)} ms, compile ${round(median(compileMs), 2)} ms (medians)`);
  const section = '5 compile';
  return {
    rows: [
      { section, metric: `parse + validate (${size} nodes), median`, value: round(median(parseMs), 2), unit: 'ms' },
      { section, metric: `compile (${size} nodes), median`, value: round(median(compileMs), 2), unit: 'ms' },
      { section, metric: `parse + validate + compile, median`, value: total, unit: 'ms', target: '< 50' },
    ],
    details: {
      nodes: size,
      xmlBytes: xml.length,
      runs,
      parseMs: parseMs.map((v) => round(v, 3)),
      compileMs: compileMs.map((v) => round(v, 3)),
      medianMs: total,
      p90Ms: round(percentile(totalMs, 90), 2),
    },
  };
}
