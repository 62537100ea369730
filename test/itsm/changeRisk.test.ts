/**
 * The risk of a normal change picks its approval route, through the HTTP API: low -> peer review (one
 * vote for the implementer's team), medium -> CAB, high -> CAB then ECAB. Segregation of duties holds on
 * every route: neither the requester nor the implementer casts a vote. Risk points are those of
 * processes/decisions/change-risk.dmn, added up here by hand.
 */
import request from 'supertest';
import { bearer } from '../api/helpers';
import { offsetClock, type TestClock } from '../support/clock';
import { changeSteps } from './changeHelpers';
import { completeTask, completedElements, instance, startItsm, waitCompleted, waitTasks, type Itsm } from './helpers';

let itsm: Itsm;
let time: TestClock;
let steps: ReturnType<typeof changeSteps>;
beforeEach(async () => {
  time = offsetClock();
  itsm = await startItsm({ clock: time.clock });
  steps = changeSteps(itsm, time);
});
afterEach(async () => {
  await itsm.close();
});

// impact low 5, one service 0, a back-out plan 0, tested 0
const LOW = { impact: 'low', affectedServices: 1, hasBackoutPlan: true, testedInStaging: true };
// impact high 40, nine services 30, no back-out plan 20, tested 0
const HIGH = { impact: 'high', affectedServices: 9, hasBackoutPlan: false, testedInStaging: true };

const claim = (taskId: unknown, user: string) => request(itsm.app).post(`/api/tasks/${taskId}/claim`).set(bearer(user)).send({});
const vote = (taskId: unknown, user: string, decision: 'approve' | 'reject') =>
  request(itsm.app).post(`/api/tasks/${taskId}/complete`).set(bearer(user)).send({ variables: { decision } });

describe('approval route by risk', () => {
  test("low risk: a peer review, one vote for the implementer's team (not the CAB); the implementer and the requester may not cast it", async () => {
    // erin requests, dave (groups network, cab) implements: his team is network (alice, dave)
    const id = await steps.submit('normal', LOW, { requester: 'erin', implementer: 'dave' });
    const { votes } = await steps.votesOf(id, 1);
    const changeVars = (await instance(itsm.app, id)).variables;
    expect(changeVars.risk).toEqual({ riskScore: 5, riskLevel: 'low' });
    expect(changeVars.peerGroup).toBe('network');
    expect(votes[0]).toMatchObject({ candidateGroups: ['network'], subject: 'Peer review: Upgrade core switch firmware' });
    expect(votes[0].excludedUsers).toEqual([
      { user: 'erin', role: 'requester' },
      { user: 'dave', role: 'implementer' },
    ]);
    expect((await claim(votes[0].id, 'dave')).status).toBe(403);
    expect((await vote(votes[0].id, 'dave', 'approve')).status).toBe(403);
    // bob is a CAB member and a change manager, but not in the team: the vote is not offered to him
    expect((await vote(votes[0].id, 'bob', 'approve')).status).toBe(403);
    expect((await vote(votes[0].id, 'alice', 'approve')).status).toBe(200);

    await waitTasks(itsm.app, id, 'ScheduleChange');
    const vars = (await instance(itsm.app, id)).variables;
    expect(vars.peerOutcome).toBe('approved');
    expect((vars.peerVotes as { seat: string; voter: string }[]).map((v) => `${v.seat}:${v.voter}`)).toEqual(['group network:alice']);
    const completed = await completedElements(itsm.app, id);
    expect(completed).toEqual(expect.arrayContaining(['AssessRisk', 'FindPeerGroup', 'PeerReview']));
    expect(completed).not.toContain('CabApproval');
    expect(completed).not.toContain('EcabApproval');
  });

  test('low risk requested from inside the team: the requester may not review her own change either', async () => {
    // alice requests, dave implements: the team network is alice and dave, both kept off the vote
    const id = await steps.submit('normal', LOW);
    const { votes } = await steps.votesOf(id, 1);
    for (const user of ['alice', 'dave']) {
      expect((await claim(votes[0].id, user)).status).toBe(403);
      expect((await vote(votes[0].id, user, 'approve')).status).toBe(403);
    }
    const [still] = (await steps.votesOf(id, 1)).votes;
    expect(still).toMatchObject({ id: votes[0].id, state: 'created', assignee: null });
    expect((await instance(itsm.app, id)).activeElements).toEqual(['PeerReview']);
  });

  test('a peer rejection rejects the change', async () => {
    const id = await steps.submit('normal', LOW, { requester: 'erin' });
    const { votes } = await steps.votesOf(id, 1);
    expect((await vote(votes[0].id, 'alice', 'reject')).status).toBe(200);
    const done = await waitCompleted(itsm.app, id);
    expect(done.variables).toMatchObject({ changeStatus: 'rejected', peerOutcome: 'rejected' });
    expect(itsm.notifications.filter((n) => n.instanceId === id).map((n) => n.template)).toEqual(['change-rejected']);
  });

  test('medium risk: the CAB alone', async () => {
    // impact medium 20, three services 15, plan and tests 0 = 35
    const id = await steps.submit('normal');
    const { votes } = await steps.votesOf(id, 2);
    expect((await instance(itsm.app, id)).variables.risk).toEqual({ riskScore: 35, riskLevel: 'medium' });
    await steps.castVotes(votes);
    await waitTasks(itsm.app, id, 'ScheduleChange');
    const completed = await completedElements(itsm.app, id);
    expect(completed).toContain('CabApproval');
    expect(completed).not.toContain('PeerReview');
    expect(completed).not.toContain('EcabApproval');
  });

  test('high risk: the CAB, then the ECAB; the implementer (a CAB member) votes in neither', async () => {
    const id = await steps.submit('normal', HIGH);
    const cab = await steps.votesOf(id, 2); // the risk is assessed by the decision worker before the CAB is asked
    expect((await instance(itsm.app, id)).variables.risk).toEqual({ riskScore: 90, riskLevel: 'high' });
    expect(cab.votes.map((t) => t.assignee).sort()).toEqual(['bob', 'erin']);
    await steps.castVotes(cab.votes);
    // the CAB's approval is over; the ECAB's starts
    await waitCompleted(itsm.app, cab.approvalId);
    const ecab = await steps.votesOf(id, 1);
    expect(ecab.approvalId).not.toBe(cab.approvalId);
    expect(ecab.votes[0]).toMatchObject({ candidateGroups: ['cab'], subject: 'High-risk change: Upgrade core switch firmware' });
    expect((await claim(ecab.votes[0].id, 'dave')).status).toBe(403);
    expect((await vote(ecab.votes[0].id, 'alice', 'approve')).status).toBe(403);
    expect((await vote(ecab.votes[0].id, 'erin', 'approve')).status).toBe(200);
    await waitTasks(itsm.app, id, 'ScheduleChange');
    const vars = (await instance(itsm.app, id)).variables;
    expect(vars).toMatchObject({ cabOutcome: 'approved', ecabOutcome: 'approved' });
    expect(await completedElements(itsm.app, id)).toEqual(expect.arrayContaining(['CabApproval', 'EcabApproval']));
  });

  test('high risk: the ECAB rejects after the CAB approved', async () => {
    const id = await steps.submit('normal', HIGH);
    const cab = await steps.votesOf(id, 2);
    await steps.castVotes(cab.votes);
    await waitCompleted(itsm.app, cab.approvalId);
    const { approvalId } = await steps.votesOf(id, 1);
    await completeTask(itsm.app, approvalId, 'Vote', { decision: 'reject' }, 'bob');
    const done = await waitCompleted(itsm.app, id);
    expect(done.variables).toMatchObject({ changeStatus: 'rejected', cabOutcome: 'approved', ecabOutcome: 'rejected' });
  });

  test('unanswered back-out plan and staging questions score as their worst answers: a low-impact change goes to the CAB', async () => {
    // impact low 5, one service 0, back-out plan unanswered 20, staging unanswered 15 = 40: medium
    const id = await steps.submit('normal', { impact: 'low', affectedServices: 1, hasBackoutPlan: undefined, testedInStaging: undefined });
    const { votes } = await steps.votesOf(id, 2);
    const vars = (await instance(itsm.app, id)).variables;
    expect(vars).not.toHaveProperty('hasBackoutPlan');
    expect(vars.risk).toEqual({ riskScore: 40, riskLevel: 'medium' });
    expect(votes.map((t) => t.assignee).sort()).toEqual(['bob', 'erin']);
  });
});
