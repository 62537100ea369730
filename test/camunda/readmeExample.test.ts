/**
 * README's "Moving from Camunda 8" shows a job worker written for Camunda 8 and the environment that
 * points it at ProcessDesk. This runs that very file (README's code block must equal
 * example/notifyWorker.ts) in a process of its own, configured only by that environment, against a
 * listening ProcessDesk, and sees it complete a job.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { REPO_DIR } from '../support/paths';
import { eventually } from '../support/engine';
import { brand, fixtureFile, NOW } from './clientSuite';
import { startV2Server, type V2Server } from './server';

const EXAMPLE = path.join(__dirname, 'example', 'notifyWorker.ts');

/** The README's code blocks after the heading "Moving from Camunda 8". */
function readmeBlocks(): string[] {
  const readme = fs.readFileSync(path.join(REPO_DIR, 'README.md'), 'utf8');
  const section = readme.slice(readme.indexOf('## Moving from Camunda 8'));
  return [...section.slice(0, section.indexOf('\n## ', 5) === -1 ? undefined : section.indexOf('\n## ', 5)).matchAll(/```(\w*)\n([\s\S]*?)```/g)].map((m) => m[2]);
}

let s: V2Server;
beforeAll(async () => {
  s = await startV2Server();
  await s.client('admin').createDeployment({ resources: [fixtureFile('v2-notify.bpmn')] });
});
afterAll(async () => {
  await s.close();
});

test('README shows the example worker as it is in the repository, and the environment it runs with', () => {
  const blocks = readmeBlocks();
  expect(blocks).toContain(fs.readFileSync(EXAMPLE, 'utf8'));
  const env = blocks.find((b) => b.includes('CAMUNDA_REST_ADDRESS='))!;
  expect(env).toMatch(/CAMUNDA_AUTH_STRATEGY=BASIC/);
  expect(env).toMatch(/CAMUNDA_BASIC_AUTH_USERNAME=/);
  expect(env).toMatch(/CAMUNDA_BASIC_AUTH_PASSWORD=/);
});

test('the example worker, configured by the environment only, completes a ProcessDesk job', async () => {
  const child = spawn(process.execPath, ['--require', 'tsx/cjs', EXAMPLE], {
    cwd: REPO_DIR,
    env: {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? '',
      CAMUNDA_REST_ADDRESS: s.url,
      CAMUNDA_AUTH_STRATEGY: 'BASIC',
      CAMUNDA_BASIC_AUTH_USERNAME: 'worker',
      CAMUNDA_BASIC_AUTH_PASSWORD: 'demo-worker',
    },
  });
  let output = '';
  child.stdout.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr.on('data', (d: Buffer) => (output += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  try {
    const started = await s.client('alice').createProcessInstance({ processDefinitionId: brand('v2-notify') });
    await eventually(async () => expect((await s.client('admin').getProcessInstance({ processInstanceKey: started.processInstanceKey }, NOW)).state).toBe('COMPLETED'), 20_000);
    expect(output).toContain(`notify: template request-received for instance ${started.processInstanceKey}`);
    const id = (await s.engine.resolveExternalKey(Number(started.processInstanceKey)))!.id;
    expect((await s.engine.getInstance(id)).variables).toMatchObject({ notified: true });
  } finally {
    child.kill('SIGTERM');
  }
  expect(await exited).toBe(0);
}, 40_000);
