/**
 * The 21 OMG MIWG reference models, drawn by many tools: each one either deploys (its executable
 * processes, or none when all are non-executable) or is refused with a DeploymentError listing problems
 * with messages. Any other outcome (a crash, another exception type) fails the test.
 */
import fs from 'fs';
import path from 'path';
import { parseBpmn, type ParsedDefinitions } from '../../engine/bpmn/parse';
import { DeploymentError } from '../../engine/bpmn/model';

import { MIWG_DIR as DIR } from '../support/paths';

const present = fs.existsSync(DIR);
const files = present
  ? fs
      .readdirSync(DIR)
      .filter((f) => f.endsWith('.bpmn'))
      .sort()
  : [];

if (!present) {
  console.log(`MIWG reference models not found at ${DIR}: the MIWG test is skipped`);
}

type Outcome = { kind: 'deployed'; parsed: ParsedDefinitions } | { kind: 'refused'; error: DeploymentError };

/** The model with every process marked executable, so all of it goes through reading and validation. */
function allExecutable(xml: string): string {
  return xml.replace(/isExecutable="false"/g, 'isExecutable="true"').replace(/<((?:[\w.-]+:)?process)\b(?![^>]*isExecutable)/g, '<$1 isExecutable="true"');
}

async function outcomeOf(file: string, transform: (xml: string) => string = (x) => x): Promise<Outcome> {
  const xml = transform(fs.readFileSync(path.join(DIR, file), 'utf8'));
  try {
    return { kind: 'deployed', parsed: await parseBpmn(xml) };
  } catch (err) {
    if (err instanceof DeploymentError) return { kind: 'refused', error: err };
    // Anything else is a crash of the parser: rethrow so the test fails with its stack.
    throw err;
  }
}

(present ? describe : describe.skip)('MIWG reference models', () => {
  const summary: string[] = [];

  afterAll(() => {
    console.log(`MIWG models:\n${summary.join('\n')}`);
  });

  test('the folder has the 21 models', () => {
    expect(files).toHaveLength(21);
  });

  test.each(files)('%s deploys or is refused with reasons', async (file) => {
    const started = Date.now();
    const outcome = await outcomeOf(file);
    const ms = Date.now() - started;
    expect(ms).toBeLessThan(3000);

    if (outcome.kind === 'deployed') {
      const { processes, skipped } = outcome.parsed;
      expect(processes.length + skipped.length).toBeGreaterThan(0);
      for (const model of processes) {
        expect(Object.keys(model.nodes).length).toBeGreaterThan(0);
        expect(JSON.parse(JSON.stringify(model))).toEqual(model);
      }
      summary.push(
        `${file}: deployed ${processes.length ? processes.map((p) => p.id).join(', ') : '(nothing executable)'}` +
          `${skipped.length ? `; skipped non-executable ${skipped.length}` : ''}`,
      );
    } else {
      const { problems } = outcome.error;
      expect(problems.length).toBeGreaterThan(0);
      for (const problem of problems) {
        expect(typeof problem.message).toBe('string');
        expect(problem.message.trim().length).toBeGreaterThan(0);
        if (problem.elementId !== undefined) expect(typeof problem.elementId).toBe('string');
      }
      const first = problems.slice(0, 3).map((p) => `${p.elementId ?? '-'}: ${p.message}`);
      summary.push(`${file}: refused (${problems.length} problems) ${first.join(' | ')}`);
    }
  });

  test.each(files)('%s with every process made executable is read and validated without crashing', async (file) => {
    const outcome = await outcomeOf(file, allExecutable);
    if (outcome.kind === 'deployed') {
      expect(outcome.parsed.skipped).toEqual([]);
      expect(outcome.parsed.processes.length).toBeGreaterThan(0);
      summary.push(`${file} (all executable): deployed ${outcome.parsed.processes.length}`);
    } else {
      expect(outcome.error.problems.length).toBeGreaterThan(0);
      for (const problem of outcome.error.problems) expect(problem.message.trim().length).toBeGreaterThan(0);
      const first = outcome.error.problems.slice(0, 2).map((p) => `${p.elementId ?? '-'}: ${p.message}`);
      summary.push(`${file} (all executable): refused (${outcome.error.problems.length} problems) ${first.join(' | ')}`);
    }
  });

  test('C.9.x, drawn in the zeebe dialect, deploy', async () => {
    for (const file of ['C.9.0.bpmn', 'C.9.1.bpmn', 'C.9.2.bpmn']) {
      const outcome = await outcomeOf(file);
      expect(outcome.kind).toBe('deployed');
    }
    const c92 = await outcomeOf('C.9.2.bpmn');
    if (c92.kind !== 'deployed') throw new Error('C.9.2 refused');
    const loops = Object.values(c92.parsed.processes[0].nodes).filter((n) => n.loop);
    expect(loops.map((n) => n.loop?.inputCollection)).toContain('=documents');
  });
});
