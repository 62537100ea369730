/**
 * The MIWG reference models through the whole engine: each either deploys and (when it has a none start
 * event) starts and runs to its first wait, or is refused with element ids and reasons. Never a crash.
 */
import fs from 'node:fs';
import path from 'node:path';
import { DeploymentError } from '../../engine';
import { MIWG_DIR, describeShared } from '../support/paths';
import { useEngine } from './helpers';

const env = useEngine();
const models = fs.existsSync(MIWG_DIR)
  ? fs
      .readdirSync(MIWG_DIR)
      .filter((f) => f.endsWith('.bpmn'))
      .sort()
  : [];

describeShared(MIWG_DIR, 'MIWG models through the engine', () => {
  test('the MIWG folder is there', () => {
    expect(models.length).toBeGreaterThanOrEqual(21);
  });

  test.each(models)('%s deploys and starts, or is refused with reasons', async (file) => {
    const { engine } = env();
    const content = fs.readFileSync(path.join(MIWG_DIR, file), 'utf8');
    let outcome: string;
    try {
      const deployment = await engine.deploy([{ name: file, content }]);
      const started: string[] = [];
      for (const p of deployment.processes) {
        const def = await engine.getMachineConfig(p.key);
        expect(def).toHaveProperty('id', p.processId);
        try {
          const instance = await engine.startInstance({ processId: p.processId });
          expect(['active', 'completed', 'incident']).toContain(instance.state);
          await engine.idle();
          expect((await engine.verifyHistory(instance.id)).valid).toBe(true);
          started.push(`${p.processId} ${instance.state} at [${instance.activeElements.join(', ')}]`);
        } catch (err) {
          // processes that only start on messages, signals or timers
          expect((err as { code?: string }).code).toBe('INVALID');
          started.push(`${p.processId} has no none start event`);
        }
      }
      outcome = `deployed: ${started.join('; ')}`;
    } catch (err) {
      expect(err).toBeInstanceOf(DeploymentError);
      const problems = (err as DeploymentError).problems;
      expect(problems.length).toBeGreaterThan(0);
      for (const p of problems) expect(p.message.length).toBeGreaterThan(5);
      outcome = `refused: ${problems
        .slice(0, 2)
        .map((p) => `${p.elementId ?? '-'}: ${p.message}`)
        .join(' | ')}`;
    }
    console.log(`${file}: ${outcome}`);
  });
});
