/**
 * The rules of engine/runtime/access.ts on their own, with exact answers: who counts as an agent and
 * nothing more (the one role whose reach is per instance), who may start a process
 * (`processdesk.startableBy`: roles, `group:<id>`, admins always, nobody when empty) and which instances
 * an agent may act on (their own start, a group the process grants, a task they have or had). The HTTP
 * journeys are in access.test.ts and auth.test.ts; these pin each rule so that a widened one fails here.
 * Real SQLite for the task lookup.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { ProcessPolicy } from '../../engine/bpmn/model';
import { agentMayActOn, checkMayStart, isAgentOnly, type Caller } from '../../engine/runtime/access';
import { openStore, type Store } from '../../engine/store';
import * as f from '../store/factories';

const caller = (id: string, roles: string[], groups: string[] = []): Caller => ({ id, roles, groups });
const policy = (over: Partial<ProcessPolicy> = {}): ProcessPolicy => ({ identityVariables: [], visibleToGroups: [], ...over });

test.each([
  [['agent'], true],
  [['agent', 'admin'], false],
  [['agent', 'worker'], false],
  [['agent', 'designer'], false],
  [['agent', 'auditor'], false],
  [['agent', 'requester'], true],
  [['worker'], false],
  [[], false],
])('roles %j: an agent and nothing more = %s', (roles, expected) => {
  expect(isAgentOnly(caller('u', roles))).toBe(expected);
});

describe('who may start a process', () => {
  const refused = (p: ProcessPolicy | undefined, c: Caller) => {
    try {
      checkMayStart('change', p, c);
    } catch (err) {
      return { code: (err as { code: string }).code, message: (err as Error).message };
    }
    return 'allowed';
  };

  test('without startableBy anybody; with it the roles and groups it names, and admins always', () => {
    expect(refused(undefined, caller('u', []))).toBe('allowed');
    expect(refused(policy(), caller('u', []))).toBe('allowed');
    const p = policy({ startableBy: ['requester', 'group:cab'] });
    expect(refused(p, caller('u', ['requester']))).toBe('allowed');
    expect(refused(p, caller('u', ['agent'], ['cab']))).toBe('allowed');
    expect(refused(p, caller('u', ['admin']))).toBe('allowed');
    expect(refused(policy({ startableBy: [] }), caller('u', ['admin']))).toBe('allowed');
  });

  test('anyone else is FORBIDDEN with who may; a role named like the group is not the group, nor the group the role', () => {
    const p = policy({ startableBy: ['requester', 'group:cab'] });
    const only = { code: 'FORBIDDEN', message: 'process change may be started by requester, group:cab only' };
    expect(refused(p, caller('u', ['agent'], ['service-desk']))).toEqual(only);
    expect(refused(p, caller('u', ['cab', 'group:cab']))).toEqual(only);
    expect(refused(p, caller('u', ['agent'], ['requester', 'group:cab']))).toEqual(only);
  });

  test('an empty startableBy: nobody but admins, started by the processes that call it', () => {
    expect(refused(policy({ startableBy: [] }), caller('u', ['requester', 'agent'], ['cab']))).toEqual({
      code: 'FORBIDDEN',
      message: 'process change is started by the processes that call it, not directly',
    });
  });
});

describe('which instances an agent may act on', () => {
  let dir: string;
  let store: Store;
  beforeEach(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'processdesk-access-'));
    store = openStore({ dataDir: dir });
    await store.init();
    await store.commit(
      f.startBatch(f.instance('i1', { startedBy: 'alice' }), { tasks: { upsert: [f.task('t1', 'i1', { candidateGroups: ['network'], candidateUsers: ['carol'] })] } }),
    );
  });
  afterEach(async () => {
    await store.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  test('its starter, an agent of a group the process grants, and whoever a task is offered to; nobody else', async () => {
    const row = (await store.getInstance('i1'))!;
    const may = (p: ProcessPolicy | undefined, c: Caller) => agentMayActOn(store, row, p, c);
    expect(await may(undefined, caller('alice', ['agent']))).toBe(true);
    expect(await may(policy({ visibleToGroups: ['cab', 'audit'] }), caller('bob', ['agent'], ['audit']))).toBe(true);
    expect(await may(undefined, caller('dave', ['agent'], ['network']))).toBe(true);
    expect(await may(undefined, caller('carol', ['agent']))).toBe(true);
    expect(await may(policy({ visibleToGroups: ['cab'] }), caller('bob', ['agent'], ['audit', 'service-desk']))).toBe(false);
    expect(await may(undefined, caller('bob', ['agent']))).toBe(false);
  });
});
