/**
 * The rules of engine/runtime/ownership.ts on their own, with exact answers (no server, no store): who owns
 * a process or resource (admins always, the listed users, members of a listed `group:<id>`), who owns a
 * new version, and the exact refusals of a deployment that would replace what the caller does not own and
 * of an owner's action on an instance. ownership.test.ts tries the same rules through the HTTP API (slow);
 * this file pins each one so that mutation testing of ownership.ts runs on fast tests.
 */
import type { Caller } from '../../engine/runtime/access';
import { EngineError } from '../../engine/runtime/errors';
import { checkMayReplace, checkOwnsProcess, isOwner, processOwners, SYSTEM_DEPLOYER } from '../../engine/runtime/ownership';
import * as f from '../store/factories';

const caller = (id: string, roles: string[] = ['designer'], groups: string[] = []): Caller => ({ id, roles, groups });
const frank = caller('frank', ['designer'], ['cab']);
const admin = caller('root', ['designer', 'admin']);

/** The error fn throws, or undefined when it returns. */
const errorOf = (fn: () => unknown): unknown => {
  try {
    fn();
  } catch (err) {
    return err;
  }
  return undefined;
};
/** fn's refusal as code and message (an EngineError), or undefined when it returns. */
const refusal = (fn: () => unknown): { code: string; message: string } | undefined => {
  const err = errorOf(fn);
  if (err === undefined) return undefined;
  expect(err).toBeInstanceOf(EngineError);
  return { code: (err as EngineError).code, message: (err as EngineError).message };
};
const forbidden = (message: string) => ({ code: 'FORBIDDEN', message });

test('the deployer of the shipped processes is called system', () => {
  expect(SYSTEM_DEPLOYER).toBe('system');
});

describe('isOwner', () => {
  test.each<[string, string[] | undefined, Caller, boolean]>([
    ['a listed user', ['owner', 'frank'], frank, true],
    ['a user not listed', ['owner'], frank, false],
    ['a member of a listed group', ['owner', 'group:cab'], frank, true],
    ['a member of another group', ['group:network'], frank, false],
    ['a user whose id is the group entry but who is not in the group', ['group:cab'], caller('group:cab'), false],
    ['a user listed by id is not a group of that name', ['cab'], caller('x', ['designer'], ['cab']), false],
    ['nobody listed', [], frank, false],
    ['no owners at all (deployed before ownership)', undefined, frank, false],
    ['an admin, listed nowhere', ['owner'], admin, true],
    ['an admin, with no owners at all', undefined, caller('a', ['admin']), true],
    ['an admin, with an empty list', [], caller('a', ['admin']), true],
    ['a role named like an owner is not the owner', ['designer'], frank, false],
  ])('%s (owners %j, caller %j): owns = %s', (_what, owners, who, expected) => {
    expect(isOwner(owners, who)).toBe(expected);
  });

  test("no owners: admins only, whatever the id of the caller (the last is the mutation tool's placeholder)", () => {
    for (const id of ['', 'undefined', 'null', 'group:', 'Stryker was here']) {
      for (const owners of [undefined, []]) expect(isOwner(owners, caller(id, ['designer'], [id]))).toBe(false);
    }
  });

  test('the empty prefix group: names the group with no id, not every group', () => {
    expect(isOwner(['group:'], frank)).toBe(false);
    expect(isOwner(['group:'], caller('x', ['designer'], ['']))).toBe(true);
  });
});

describe('processOwners', () => {
  test('as declared (a copy), else the deployer, else nobody (the start deployment: admins only)', () => {
    const declared = ['owner', 'group:cab'];
    const owners = processOwners(declared, frank);
    expect(owners).toEqual(['owner', 'group:cab']);
    owners.push('mallory');
    expect(declared).toEqual(['owner', 'group:cab']);
    expect(processOwners([], frank)).toEqual(['frank']);
    expect(processOwners(undefined, frank)).toEqual(['frank']);
    expect(processOwners(undefined, undefined)).toEqual([]);
    expect(processOwners([], undefined)).toEqual([]);
    expect(processOwners(['owner'], undefined)).toEqual(['owner']);
  });
});

describe('checkMayReplace', () => {
  const franks = f.definition('franks-gate', 1, { owners: ['frank'] });
  const teams = f.definition('team-gate', 2, { owners: ['owner', 'group:process-owners'] });
  const legacy = f.definition('legacy', 1, { owners: undefined });
  const unowned = f.definition('orphan', 1, { owners: [] });
  const cabForm = f.resource('form:cab-form', { owners: ['group:cab'] });
  const teamForm = f.resource('form:team-form', { owners: ['owner'] });
  const oldDecision = f.resource('decision:prio', { owners: undefined });

  test('the start deployment (no caller) replaces anything', () => {
    expect(refusal(() => checkMayReplace(undefined, [teams, legacy], [teamForm, oldDecision]))).toBeUndefined();
  });

  test('what the caller owns, by id or by group, or nothing at all: allowed', () => {
    expect(refusal(() => checkMayReplace(frank, [franks], [cabForm]))).toBeUndefined();
    expect(refusal(() => checkMayReplace(frank, [], []))).toBeUndefined();
  });

  test('an admin replaces what others own and what nobody owns', () => {
    expect(refusal(() => checkMayReplace(admin, [teams, legacy, unowned], [teamForm, oldDecision]))).toBeUndefined();
  });

  test('refused: every process and resource not owned, with its owners ("admins only" for none), joined by "; "', () => {
    expect(refusal(() => checkMayReplace(frank, [franks, teams, legacy, unowned], [cabForm, teamForm, oldDecision]))).toEqual(
      forbidden(
        'frank may not replace process team-gate (owners: owner, group:process-owners); process legacy (owners: admins only); ' +
          'process orphan (owners: admins only); form:team-form (owners: owner); decision:prio (owners: admins only): ' +
          'only their owners or an admin deploy new versions of them; nothing was deployed',
      ),
    );
  });

  test('refused for one resource alone, and for one process alone', () => {
    expect(refusal(() => checkMayReplace(frank, [franks], [teamForm]))).toEqual(
      forbidden('frank may not replace form:team-form (owners: owner): only their owners or an admin deploy new versions of them; nothing was deployed'),
    );
    expect(refusal(() => checkMayReplace(frank, [legacy], [cabForm]))).toEqual(
      forbidden('frank may not replace process legacy (owners: admins only): only their owners or an admin deploy new versions of them; nothing was deployed'),
    );
  });
});

describe('checkOwnsProcess', () => {
  test('an owner by id or group, or an admin: allowed', () => {
    for (const who of [frank, caller('owner'), caller('x', ['designer'], ['process-owners']), admin]) {
      expect(refusal(() => checkOwnsProcess(f.definition('p', 1, { owners: ['frank', 'owner', 'group:process-owners'] }), who, 'cancel'))).toBeUndefined();
    }
    expect(refusal(() => checkOwnsProcess(f.definition('p', 1), admin, 'cancel'))).toBeUndefined();
  });

  test('anyone else: refused, naming the caller, the action, the process and its owners', () => {
    const latest = f.definition('team-gate', 3, { owners: ['owner', 'group:process-owners'] });
    expect(refusal(() => checkOwnsProcess(latest, frank, 'cancel instance i-1'))).toEqual(
      forbidden('frank may not cancel instance i-1: process team-gate is owned by owner, group:process-owners'),
    );
    expect(refusal(() => checkOwnsProcess(f.definition('legacy', 1), frank, 'retry'))).toEqual(forbidden('frank may not retry: process legacy is owned by admins only'));
    expect(refusal(() => checkOwnsProcess(f.definition('orphan', 1, { owners: [] }), frank, 'retry'))).toEqual(
      forbidden('frank may not retry: process orphan is owned by admins only'),
    );
  });
});
