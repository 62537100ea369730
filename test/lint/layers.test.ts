/**
 * The layer rule of eslint.config.mjs (docs/architecture.md, "The layers") refuses the imports that
 * would erode the layers and lets the allowed ones through. ESLint runs in a child process (it loads
 * its ESM config with a dynamic import, which jest's module system does not offer) on source text
 * given a path in the repository, so nothing is written to the tree.
 */
import { execFileSync } from 'node:child_process';
import path from 'node:path';

const ROOT = path.join(__dirname, '..', '..');

interface Case {
  file: string;
  code: string;
}

const LINT_SCRIPT = `
import { ESLint } from 'eslint';
const cases = JSON.parse(process.argv[1]);
const eslint = new ESLint({ cwd: process.cwd() });
const out = [];
for (const c of cases) {
  const [result] = await eslint.lintText(c.code, { filePath: c.file });
  out.push(result.messages.filter((m) => m.ruleId === '@typescript-eslint/no-restricted-imports').map((m) => m.message));
}
console.log(JSON.stringify(out));
`;

/** The layer-rule messages for each case, in order. */
function layerMessages(cases: Case[]): string[][] {
  const stdout = execFileSync(process.execPath, ['--input-type=module', '-e', LINT_SCRIPT, JSON.stringify(cases)], { cwd: ROOT, encoding: 'utf8' });
  return JSON.parse(stdout) as string[][];
}

const refused: Case[] = [
  { file: 'api/routes/tasks.ts', code: "import { Executor } from '../../engine/runtime/executor';\nexport const x = Executor;\n" },
  { file: 'api/config.ts', code: "import type { TaskRow } from '../engine/store/types';\nexport type X = TaskRow;\n" },
  { file: 'engine/compile/run.ts', code: "import type { Store } from '../store/types';\nexport type X = Store;\n" },
  { file: 'engine/compile/elements/tasks/userTask.ts', code: "import { rowId } from '../../../runtime/effects';\nexport const x = rowId;\n" },
  { file: 'engine/compile/graph.ts', code: "import { createScheduler } from '../queue';\nexport const x = createScheduler;\n" },
  { file: 'engine/store/sqlite/writes.ts', code: "import { hashEvent } from '../../runtime/history';\nexport const x = hashEvent;\n" },
  { file: 'engine/store/types.ts', code: "import type { Effect } from '../compile/state';\nexport type X = Effect;\n" },
  { file: 'modeler/src/tasksView.ts', code: "import { Engine } from '../../engine';\nexport const x = Engine;\n" },
  { file: 'modeler/src/api.ts', code: "import { taskView } from '../../api/views';\nexport const x = taskView;\n" },
];

const allowed: Case[] = [
  { file: 'api/routes/tasks.ts', code: "import { Engine } from '../../engine';\nexport const x = Engine;\n" },
  { file: 'api/config.ts', code: "import type { TaskRow } from '../engine';\nexport type X = TaskRow;\n" },
  { file: 'api/main.ts', code: "import { Engine } from '../engine/index';\nexport const x = Engine;\n" },
  { file: 'engine/compile/run.ts', code: "import type { ProcessModel } from '../bpmn/model';\nexport type X = ProcessModel;\n" },
  { file: 'engine/runtime/effects.ts', code: "import type { Store } from '../store/types';\nexport type X = Store;\n" },
  { file: 'engine/store/sqlite/writes.ts', code: "import type { TaskRow } from '../types';\nexport type X = TaskRow;\n" },
  { file: 'modeler/src/api.ts', code: "import type { Task } from '../../api/schemas';\nexport type X = Task;\n" },
];

describe('the layer rule', () => {
  let results: string[][];
  beforeAll(() => {
    results = layerMessages([...refused, ...allowed]);
  }, 60_000);

  test.each(refused.map((c, i) => [c.file, c.code.split('\n')[0], i] as const))('refuses in %s: %s', (_file, _line, i) => {
    expect(results[i]).toHaveLength(1);
    expect(results[i][0]).toMatch(/restricted from being used by a pattern/);
  });

  test.each(allowed.map((c, i) => [c.file, c.code.split('\n')[0], refused.length + i] as const))('allows in %s: %s', (_file, _line, i) => {
    expect(results[i]).toEqual([]);
  });
});
