/**
 * Ticket numbers on the engine: a process declaring processdesk.ticketPrefix gets its business keys from
 * the engine, whichever way it starts (API, message, call activity), across engine processes sharing a
 * store and across restarts; a ticket a call activity starts is linked to its caller.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DeploymentError, type Engine } from '../../engine';
import { SqliteStore } from '../../engine/store';
import { tempEngine } from '../support/engine';
import { callActivity, chain, definitions, deployXml, endEvent, eventually, messageDef, messageRef, startEvent, userTask } from './helpers';

/** A process with zeebe:properties `props` on it. */
function processWith(id: string, props: Record<string, string>, ...body: string[]): string {
  const properties = Object.entries(props)
    .map(([name, value]) => `<zeebe:property name="${name}" value="${value}" />`)
    .join('');
  return `<bpmn:process id="${id}" isExecutable="true"><bpmn:extensionElements><zeebe:properties>${properties}</zeebe:properties></bpmn:extensionElements>\n${body.join('\n')}\n</bpmn:process>`;
}

const TICKET = definitions(
  messageDef('M_report', 'Report'),
  processWith(
    'ticket',
    { 'processdesk.ticketPrefix': 'TKT' },
    startEvent('Start'),
    startEvent('ByMessage', messageRef('M_report')),
    userTask('Work'),
    endEvent('End'),
    chain('Start', 'Work', 'End'),
    '<bpmn:sequenceFlow id="F_msg" sourceRef="ByMessage" targetRef="Work" />',
  ),
);
const CALLER = definitions(
  processWith('caller', { 'processdesk.ticketPrefix': 'CLR' }, startEvent('Start'), callActivity('Raise', 'ticket'), endEvent('End'), chain('Start', 'Raise', 'End')),
);

const dirs: string[] = [];
const engines: { close: () => Promise<void> }[] = [];
afterEach(async () => {
  for (const e of engines.splice(0).reverse()) await e.close();
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

/** An engine on the SQLite file of `dir` (another engine process on the same store when the dir is shared). */
async function engineOn(dir: string): Promise<Engine> {
  const t = await tempEngine({ dataDir: dir });
  engines.push(t);
  return t.engine;
}
function tmp(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'processdesk-tickets-'));
  dirs.push(dir);
  return dir;
}

const keyOf = async (engine: Engine, id: string): Promise<string | undefined> => (await engine.getInstance(id)).businessKey;

test('numbers per prefix, past seven digits; a typed business key is refused and takes no number', async () => {
  const dir = tmp();
  const engine = await engineOn(dir);
  await deployXml(engine, TICKET);
  const first = await engine.startInstance({ processId: 'ticket', actor: 'alice' });
  expect(first.businessKey).toBe('TKT0000001');
  await expect(engine.startInstance({ processId: 'ticket', businessKey: 'TKT0000042', actor: 'alice' })).rejects.toMatchObject({ code: 'INVALID' });
  expect((await engine.listInstances({ processId: 'ticket', limit: 10 })).items).toHaveLength(1);
  expect((await engine.startInstance({ processId: 'ticket', actor: 'alice' })).businessKey).toBe('TKT0000002');

  // the counter at the last seven-digit number: the next one has eight digits
  const store = new SqliteStore({ file: path.join(dir, 'processdesk.sqlite') });
  await store.init();
  store.connection.prepare('UPDATE ticket_counters SET value = 9999999 WHERE prefix = ?').run('TKT');
  await store.close();
  expect((await engine.startInstance({ processId: 'ticket', actor: 'alice' })).businessKey).toBe('TKT10000000');
});

test('a prefix that is not 2 to 6 capital letters is a deployment problem', async () => {
  const engine = await engineOn(tmp());
  const bad = definitions(processWith('badPrefix', { 'processdesk.ticketPrefix': 'inc-1' }, startEvent('Start'), endEvent('End'), chain('Start', 'End')));
  const err = await deployXml(engine, bad).catch((e: unknown) => e);
  expect(err).toBeInstanceOf(DeploymentError);
  expect(String((err as Error).message) + JSON.stringify((err as DeploymentError).problems)).toMatch(/processdesk\.ticketPrefix must be 2 to 6 capital letters/);
});

test('two engine processes on one store never give the same number, and the numbers go on after a restart', async () => {
  const dir = tmp();
  const one = await engineOn(dir);
  await deployXml(one, TICKET);
  const two = await engineOn(dir);
  const started = await Promise.all(Array.from({ length: 30 }, (_, i) => (i % 2 ? two : one).startInstance({ processId: 'ticket', actor: 'alice' })));
  expect(started.map((s) => s.businessKey).sort()).toEqual(Array.from({ length: 30 }, (_, i) => `TKT${String(i + 1).padStart(7, '0')}`));
  for (const e of engines.splice(0).reverse()) await e.close();

  const again = await engineOn(dir);
  expect((await again.startInstance({ processId: 'ticket', actor: 'alice' })).businessKey).toBe('TKT0000031');
});

test('a message start and a call activity start are numbered too; the called ticket is linked to its caller', async () => {
  const engine = await engineOn(tmp());
  await deployXml(engine, TICKET, CALLER);
  const byMessage = await engine.publishMessage({ name: 'Report', correlationKey: 'ext-7' });
  expect(byMessage).toMatchObject({ startedInstances: [expect.any(String)] });
  const messageStarted = (byMessage as { startedInstances: string[] }).startedInstances[0];
  expect(await keyOf(engine, messageStarted)).toBe('TKT0000001');
  // the number, not the correlation key, is the business key: the once-per-key rule of message starts
  // (found by business key) does not hold for a numbered process, a second message starts a second ticket
  const again = (await engine.publishMessage({ name: 'Report', correlationKey: 'ext-7' })) as { startedInstances: string[] };
  expect(await keyOf(engine, again.startedInstances[0])).toBe('TKT0000002');

  const caller = await engine.startInstance({ processId: 'caller', actor: 'alice' });
  expect(caller.businessKey).toBe('CLR0000001');
  const child = await eventually(async () => {
    const [c] = (await engine.listInstances({ parentInstanceId: caller.id, limit: 5 })).items;
    if (!c) throw new Error('no child yet');
    return c;
  });
  expect(child.businessKey).toBe('TKT0000003');
  expect(await engine.links.list(child.id)).toEqual([
    expect.objectContaining({ fromId: caller.id, toId: child.id, kind: 'raised', fromKey: 'CLR0000001', toKey: 'TKT0000003', createdBy: 'alice' }),
  ]);
  expect(await engine.links.list(caller.id)).toHaveLength(1);
  const linked = (await engine.getHistory(child.id)).filter((e) => e.type === 'ticket.linked');
  expect(linked.map((e) => e.data)).toEqual([{ kind: 'raised', direction: 'from', instanceId: caller.id, businessKey: 'CLR0000001' }]);
  expect(await engine.verifyHistory(child.id)).toMatchObject({ valid: true });
});
