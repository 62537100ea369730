/**
 * The web app in real Chromium against a real server: each user's journey (the designer draws a process
 * with the mouse and the keyboard, palette, context pad and Zeebe properties panel, and deploys it; the
 * agent runs it through the task list and its form; the designer follows the instance; the auditor
 * verifies the history), role-limited navigation, and the modeler opening every MIWG reference model with
 * all shapes (an expanded call activity with the process it calls). Screenshots go to a temp dir (docs/screenshots/ with `npm run render:processes`).
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Browser, BrowserContext, Dialog, Page } from 'playwright-core';
import request from 'supertest';
import { bearer, eventually } from '../api/helpers';
import { shippedResources } from '../itsm/helpers';
import { Drawing } from './draw';
import { ensureWebBuild, launchChromium, screenshot, signIn as signInOnPage, startWebServer, watchErrors, type WebServer } from './support';

jest.setTimeout(60_000);

import { MIWG_DIR, describeShared } from '../support/paths';
const PROCESS_ID = 'e2e-two-tasks';
const FORM = {
  id: 'e2e-review-form',
  type: 'default',
  components: [
    { type: 'textfield', key: 'resolution', label: 'Resolution', validate: { required: true } },
    {
      type: 'select',
      key: 'outcome',
      label: 'Outcome',
      values: [
        { label: 'Fixed', value: 'fixed' },
        { label: "Won't fix", value: 'wontfix' },
      ],
      validate: { required: true },
    },
  ],
};

let server: WebServer;
let browser: Browser;
let context: BrowserContext | undefined;
let page: Page;
let errors: string[] = [];

beforeAll(async () => {
  ensureWebBuild();
  [server, browser] = await Promise.all([startWebServer(), launchChromium()]);
  await freshPage();
}, 120_000);

/** A new browser context (empty sessionStorage) at 1280x800 whose console errors are collected. */
/** Start -> service task of job type `type` (one retry) -> end, as process `id`. */
function jobProcess(id: string, type = 'e2e-cmdb'): string {
  return `<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:bpmndi="http://www.omg.org/spec/BPMN/20100524/DI"
  xmlns:dc="http://www.omg.org/spec/DD/20100524/DC" xmlns:di="http://www.omg.org/spec/DD/20100524/DI" xmlns:zeebe="http://camunda.org/schema/zeebe/1.0" id="d" targetNamespace="t">
  <bpmn:process id="${id}" isExecutable="true">
    <bpmn:startEvent id="s"><bpmn:outgoing>f1</bpmn:outgoing></bpmn:startEvent>
    <bpmn:serviceTask id="work" name="Call CMDB"><bpmn:extensionElements><zeebe:taskDefinition type="${type}" retries="1" /></bpmn:extensionElements><bpmn:incoming>f1</bpmn:incoming><bpmn:outgoing>f2</bpmn:outgoing></bpmn:serviceTask>
    <bpmn:endEvent id="e"><bpmn:incoming>f2</bpmn:incoming></bpmn:endEvent>
    <bpmn:sequenceFlow id="f1" sourceRef="s" targetRef="work" />
    <bpmn:sequenceFlow id="f2" sourceRef="work" targetRef="e" />
  </bpmn:process>
  <bpmndi:BPMNDiagram id="dia"><bpmndi:BPMNPlane id="pl" bpmnElement="${id}">
    <bpmndi:BPMNShape id="s_di" bpmnElement="s"><dc:Bounds x="100" y="100" width="36" height="36" /></bpmndi:BPMNShape>
    <bpmndi:BPMNShape id="work_di" bpmnElement="work"><dc:Bounds x="200" y="78" width="100" height="80" /></bpmndi:BPMNShape>
    <bpmndi:BPMNShape id="e_di" bpmnElement="e"><dc:Bounds x="360" y="100" width="36" height="36" /></bpmndi:BPMNShape>
    <bpmndi:BPMNEdge id="f1_di" bpmnElement="f1"><di:waypoint x="136" y="118" /><di:waypoint x="200" y="118" /></bpmndi:BPMNEdge>
    <bpmndi:BPMNEdge id="f2_di" bpmnElement="f2"><di:waypoint x="300" y="118" /><di:waypoint x="360" y="118" /></bpmndi:BPMNEdge>
  </bpmndi:BPMNPlane></bpmndi:BPMNDiagram>
</bpmn:definitions>`;
}

async function freshPage(): Promise<void> {
  await context?.close();
  context = await browser.newContext({ viewport: { width: 1280, height: 800 }, acceptDownloads: true });
  page = await context.newPage();
  page.setDefaultTimeout(10_000);
  const seen = watchErrors(page);
  errors = seen;
}

/** Signs `user` in on a fresh page. */
async function signIn(_page: Page, baseUrl: string, user: string): Promise<void> {
  const leftover = errors.splice(0);
  await freshPage();
  errors.push(...leftover);
  await signInOnPage(page, baseUrl, user);
}

afterAll(async () => {
  await browser?.close();
  await server?.close();
});

afterEach(() => {
  const seen = errors.splice(0);
  expect(seen).toEqual([]);
});

/** Takes out of the collected errors the browser's log lines of HTTP responses with `status` a test caused on purpose. */
function expectHttpErrors(status: number): void {
  const before = errors.length;
  const rest = errors.filter((e) => !e.includes(`status of ${status} `));
  expect(rest.length).toBeLessThan(before);
  errors.splice(0, errors.length, ...rest);
}

/** The first attempt: Start -> Close ticket, a service task without a job type (the engine refuses it) -> Done. */
async function drawRefusedProcess(d: Drawing): Promise<void> {
  const task = await d.append('StartEvent_1', 'append.append-task', 'Close ticket');
  await d.replace(task, 'replace-with-service-task');
  await d.properties({ id: 'CloseTicket' });
  await d.append('CloseTicket', 'append.end-event', 'Done');
}

/**
 * Start -> Review ticket (user task offered to service-desk, with the review form) -> Fixed? -> yes:
 * Cool-off (timer, PT1S) -> Close ticket (user task assigned to alice) -> Done; no: Not fixed. Every
 * shape from the context pad or the palette, every setting in the properties panel or typed on the label.
 */
async function drawTicketProcess(d: Drawing): Promise<void> {
  await d.scroll(250, 0); // room on the right
  await d.selectProcess();
  await d.properties({ name: 'E2E two tasks', id: PROCESS_ID });
  const review = await d.replace(await d.append('StartEvent_1', 'append.append-task', 'Review ticket'), 'replace-with-user-task');
  await d.properties({
    'group-assignmentDefinition/assignmentDefinitionCandidateGroups': 'service-desk',
    'group-form/formType': 'camunda-form-linked',
    'group-form/formId': FORM.id,
  });
  const gateway = await d.append(review, 'append.gateway', 'Fixed?');
  // the two ways out of the gateway: events from the palette, connected by hand (a new flow stays selected)
  const at = (await d.shape(gateway).boundingBox())!;
  const coolOff = await d.create('create.intermediate-event', { x: at.x + at.width / 2 + 110, y: at.y + at.height / 2 }, 'Cool-off');
  const timer = await d.replace(coolOff, 'replace-with-timer-intermediate-catch');
  await d.properties({ 'group-timer/timerEventDefinitionType': 'timeDuration', 'group-timer/timerEventDefinitionValue': 'PT1S' });
  await d.connect(gateway, timer);
  await d.properties({ name: 'yes', 'group-condition/conditionExpression': 'outcome = "fixed"' });
  const close = await d.replace(await d.append(timer, 'append.append-task', 'Close ticket'), 'replace-with-user-task');
  await d.properties({ 'group-assignmentDefinition/assignmentDefinitionAssignee': 'alice' });
  await d.append(close, 'append.end-event', 'Done');
  const notFixed = await d.create('create.end-event', { x: at.x + at.width / 2 + 110, y: at.y + at.height / 2 + 120 }, 'Not fixed');
  await d.connect(gateway, notFixed);
  await d.properties({ name: 'no', 'group-condition/conditionExpression': 'outcome != "fixed"' });
}

/** The review form, deployed over the API (deploying it again changes nothing). */
async function deployForm(): Promise<void> {
  const res = await request(server.baseUrl)
    .post('/api/deployments')
    .set(bearer('admin'))
    .send({ resources: [{ name: 'e2e-review.form', content: JSON.stringify(FORM) }] });
  expect(res.status).toBe(201);
}

/**
 * The tests do not depend on their order: whichever needs the drawn process first gets it deployed
 * here (drawn and deployed in the modeler, as the designer's journey does), and whichever needs a
 * worked ticket gets INC-1 worked by alice over the API.
 */
/**
 * The toolbar's New: its dialog asks for the process's name and id (and a confirm comes first when the
 * diagram has changes that are not deployed: accepted).
 */
async function newDiagram(id: string, name: string): Promise<void> {
  const accept = (d: Dialog): void => void d.accept();
  page.on('dialog', accept);
  try {
    await page.click('#new-diagram');
    await page.fill('#new-process-name', name);
    await page.fill('#new-process-id', id);
    await page.click('#new-process-create');
    await page.waitForSelector('#new-process-name', { state: 'detached' });
  } finally {
    page.off('dialog', accept);
  }
}

let ticketDeployed: Promise<void> | undefined;
function ticketProcess(): Promise<void> {
  ticketDeployed ??= (async () => {
    if ((await request(server.baseUrl).get(`/api/processes/${PROCESS_ID}`).set(bearer('admin'))).status === 200) return;
    await deployForm();
    await signIn(page, server.baseUrl, 'owner');
    await page.waitForSelector('#canvas .djs-container');
    await newDiagram(PROCESS_ID, 'E2E two tasks');
    await page.waitForSelector('#modeler-status:has-text("Opened")');
    await drawTicketProcess(new Drawing(page));
    await page.waitForFunction(() => !document.querySelector('#problems li.error'));
    await page.click('#deploy');
    await page.waitForSelector(`#modeler-status:has-text("Deployed ${PROCESS_ID} v")`);
  })();
  return ticketDeployed;
}

/** The shipped processes (request, change, approval...), deployed once by whichever test needs them first. */
let shippedDeployed: Promise<unknown> | undefined;
const shippedProcesses = (): Promise<unknown> => (shippedDeployed ??= server.engine.deploy(shippedResources()));

/** Completes the open task named `name` of an instance over the API, as `user`. */
async function completeTaskNamed(instanceId: string, name: string, user: string, variables: Record<string, unknown>): Promise<void> {
  const task = await eventually(async () => {
    const res = await request(server.baseUrl).get('/api/tasks').query({ processInstanceId: instanceId, state: 'created' }).set(bearer('admin'));
    const found = (res.body.items as { id: string; name?: string }[]).find((t) => t.name === name);
    if (!found) throw new Error(`no open ${name} yet`);
    return found;
  }, 5000);
  await request(server.baseUrl).post(`/api/tasks/${task.id}/claim`).set(bearer(user)).send({}).expect(200);
  await request(server.baseUrl).post(`/api/tasks/${task.id}/complete`).set(bearer(user)).send({ variables }).expect(200);
}

/** INC-1, reviewed and closed by alice: the instance the designer follows and the auditor checks. */
let workedTicketId: Promise<string> | undefined;
function workedTicket(): Promise<string> {
  workedTicketId ??= (async () => {
    await ticketProcess();
    const started = await request(server.baseUrl).post('/api/process-instances').set(bearer('owner')).send({ processId: PROCESS_ID, businessKey: 'INC-1' });
    expect(started.status).toBe(201);
    await completeTaskNamed(started.body.id, 'Review ticket', 'alice', { resolution: 'Rebooted the router', outcome: 'fixed' });
    await completeTaskNamed(started.body.id, 'Close ticket', 'alice', { closed: true }); // after the cool-off
    await eventually(async () => {
      const r = await request(server.baseUrl).get(`/api/process-instances/${started.body.id}`).set(bearer('admin'));
      if (r.body.state !== 'completed') throw new Error(`state ${r.body.state}`);
    });
    return started.body.id as string;
  })();
  return workedTicketId;
}

describe('user journeys', () => {
  test('sign-in page lists the demo users; a bad token is refused', async () => {
    await freshPage(); // nobody signed in, whichever test ran before
    await page.goto(`${server.baseUrl}/`);
    await page.waitForSelector('button[data-user="owner"]');
    expect(await page.locator('.demo-users li').count()).toBe(9); // DEMO_USERS of modeler/src/api.ts: everyone but the worker
    await screenshot(page, 'signin');
    await page.fill('#token', 'not-a-token');
    await page.click('form.signin-form button[type=submit]');
    await page.waitForSelector('.signin-form .error:has-text("Sign-in failed")');
    expectHttpErrors(401); // the refused token, logged by the browser
    // keyboard only: type a token, Enter signs in; the first page gets the landmarks
    await page.fill('#token', '');
    await page.focus('#token');
    await page.keyboard.type('demo-carol');
    await page.keyboard.press('Enter');
    await page.waitForSelector('[data-testid="current-user"]:has-text("carol")');
    expect(await page.locator('header[role=banner], nav[aria-label=Main], main#main').count()).toBe(3);
    await page.click('button:has-text("Sign out")');
    await page.waitForSelector('#token');
    expect(await page.evaluate(() => sessionStorage.length)).toBe(0);
  });

  test('signing out while the first page still loads leaves the sign-in form (the late page is not drawn)', async () => {
    await freshPage();
    await page.goto(`${server.baseUrl}/`);
    await page.waitForSelector('button[data-user="carol"]');
    // From now on the app's code chunks are held: the auditor's first page cannot load until released.
    const held: { go: () => Promise<void>; done: () => Promise<unknown> }[] = [];
    await page.route('**/*.js', (r) => {
      held.push({ go: () => r.continue(), done: async () => (await r.request().response())?.finished() });
    });
    await page.click('button[data-user="carol"]');
    await page.waitForSelector('[data-testid="current-user"]:has-text("carol")');
    await eventually(async () => expect(held.length).toBeGreaterThan(0));
    await page.click('button:has-text("Sign out")');
    await page.waitForSelector('#token');
    await Promise.all(held.map((r) => r.go()));
    await page.unroute('**/*.js');
    await Promise.all(held.map((r) => r.done()));
    // Whatever the held page does once its code has arrived, the sign-in form stays and nobody is signed in.
    await page.waitForTimeout(300);
    expect(await page.locator('#token').isVisible()).toBe(true);
    expect(await page.locator('[data-testid="current-user"]').count()).toBe(0);
    expect(await page.evaluate(() => location.hash)).toBe('#/signin');
  });

  test('designer: lints, sees deploy errors on elements, deploys a two-task process', async () => {
    await deployForm();

    await signIn(page, server.baseUrl, 'owner');
    expect(await page.locator('#nav a').allTextContents()).toEqual(['Modeler', 'New', 'Instances', 'Incidents', 'SLA report']);
    await page.waitForSelector('#canvas .djs-container');
    await newDiagram('e2e-refused', 'E2E refused');
    await page.waitForSelector('#modeler-status:has-text("Opened")');
    // a fresh diagram has no end event: the linter says so
    await page.waitForSelector('#problems li[data-source=lint]:has-text("end-event-required")');
    expect(await page.locator('#problems li[data-source=lint]').count()).toBeGreaterThan(0);

    // first a service task without job type: the engine refuses, the problem is marked on the element
    await drawRefusedProcess(new Drawing(page));
    await page.click('#deploy');
    await page.waitForSelector('#modeler-status:has-text("Deployment refused")');
    await page.waitForSelector('.pd-issue.deploy-error[data-element-id="CloseTicket"]');
    expect(await page.locator('#problems li[data-source=deploy]').count()).toBeGreaterThan(0);
    // the linter found it too
    await page.waitForSelector('#problems li[data-source=lint]:has-text("zeebe-task-type")');
    await page.waitForSelector('.pd-issue.lint-warn, .pd-issue.lint-error, .pd-issue.deploy-error');
    await screenshot(page, 'modeler-deploy-error');
    expectHttpErrors(400); // the refused deployment, logged by the browser

    // then the right model: deploys
    await newDiagram(PROCESS_ID, 'E2E two tasks');
    await page.waitForSelector('#modeler-status:has-text("Opened")');
    await drawTicketProcess(new Drawing(page));
    await page.waitForFunction(() => !document.querySelector('#problems li.error'));
    await page.click('#deploy');
    // v1, or a later version when another test deployed the process first
    await page.waitForSelector(`#modeler-status:has-text("Deployed ${PROCESS_ID} v")`);
    const version = /Deployed \S+ v(\d+)/.exec(await page.locator('#modeler-status').innerText())![1];
    expect(await page.locator('.pd-issue.deploy-error').count()).toBe(0);
    // the properties panel shows the zeebe properties of the selected task
    await page.locator('#canvas g.djs-element.djs-shape', { hasText: 'Review ticket' }).click();
    await page.waitForSelector('#properties .bio-properties-panel-header-label:has-text("Review ticket")');
    await page.waitForSelector('#properties [data-group-id="group-assignmentDefinition"]');
    await page.waitForSelector('#properties [data-group-id="group-form"]');
    await screenshot(page, 'modeler');

    // the deployed process can be opened again from the list
    await page.selectOption('#open-process', `${PROCESS_ID}:${version}`);
    await page.waitForSelector(`#modeler-status:has-text("Opened")`);
    const [exported] = await Promise.all([page.waitForEvent('download'), page.click('#export-diagram')]);
    const exportedXml = fs.readFileSync((await exported.path())!, 'utf8');
    // what was drawn and typed is what was deployed
    expect(exportedXml).toContain(`<bpmn:process id="${PROCESS_ID}" name="E2E two tasks"`);
    expect(exportedXml).toContain('<zeebe:formDefinition formId="e2e-review-form" />');
    expect(exportedXml).toContain('<zeebe:assignmentDefinition candidateGroups="service-desk" />');
    expect(exportedXml).toContain('<zeebe:assignmentDefinition assignee="alice" />');
    expect(exportedXml).toMatch(/<bpmn:timeDuration xsi:type="bpmn:tFormalExpression">PT1S<\/bpmn:timeDuration>/);
    expect(exportedXml).toContain('<bpmn:conditionExpression xsi:type="bpmn:tFormalExpression">=outcome = "fixed"</bpmn:conditionExpression>');
    expect(exportedXml).toContain('<bpmn:conditionExpression xsi:type="bpmn:tFormalExpression">=outcome != "fixed"</bpmn:conditionExpression>');
    expect([...exportedXml.matchAll(/<bpmn:userTask id="[^"]+" name="([^"]+)"/g)].map((m) => m[1]).sort()).toEqual(['Close ticket', 'Review ticket']);
  });

  test('agent: claims and completes the task through its form (validation first)', async () => {
    await ticketProcess();
    const started = await request(server.baseUrl).post('/api/process-instances').set(bearer('owner')).send({ processId: PROCESS_ID, businessKey: 'INC-0' });
    expect(started.status).toBe(201);
    const instanceId = started.body.id as string;
    await signIn(page, server.baseUrl, 'alice');
    expect(await page.locator('#nav a').allTextContents()).toEqual(['Tasks', 'Tickets', 'New']);
    const row = page.locator('#task-table tr', { hasText: 'Review ticket' });
    await row.waitFor(); // the list polls: the task appears on its own
    await row.locator('button[data-action=claim]').click();
    await page.locator('#task-table tr', { hasText: 'Review ticket' }).locator('td', { hasText: 'alice' }).waitFor();
    await page.locator('#task-table tr', { hasText: 'Review ticket' }).locator('button[data-action=open]').click();
    await page.waitForSelector('#task-form .fjs-form');
    await page.click('#complete-task');
    await page.waitForSelector('#form-messages:has-text("Resolution: Field is required")');
    await page.waitForSelector('#task-form .fjs-form-field-error');
    await screenshot(page, 'task-form-validation');
    await page.getByLabel('Resolution').fill('Rebooted the router');
    // form-js renders its select as a dropdown: open it and pick the option
    await page.locator('#task-form .fjs-form-field-select .fjs-select-display').click();
    await page.locator('#task-form .fjs-dropdownlist-item', { hasText: 'Fixed' }).first().click();
    await page.click('#complete-task');
    await page.waitForSelector('#task-completed');
    // the second task arrives by polling; it has no form: complete with variables JSON
    const next = page.locator('#task-table tr', { hasText: 'Close ticket' });
    await next.waitFor({ timeout: 10_000 });
    await screenshot(page, 'tasks');
    await next.locator('button[data-action=open]').click();
    await page.waitForSelector('#task-variables');
    await page.fill('#task-variables', '{"closed": true}');
    await page.click('#complete-task');
    await page.waitForSelector('#task-completed');
    const inst = await request(server.baseUrl).get(`/api/process-instances/${instanceId}`).set(bearer('admin'));
    expect(inst.body.state).toBe('completed');
    expect(inst.body.variables).toMatchObject({ resolution: 'Rebooted the router', outcome: 'fixed', closed: true });
    // a task created meanwhile shows up without any click: the list polls
    const other = await request(server.baseUrl).post('/api/process-instances').set(bearer('alice')).send({ processId: PROCESS_ID });
    expect(other.status).toBe(201);
    await page.locator('#task-table tr', { hasText: 'Review ticket' }).waitFor({ timeout: 8000 });
  });

  test('approver: sees why segregation of duties bars them; a manager delegates the vote; the substitute approves', async () => {
    await shippedProcesses();
    /** Completes the open task of an element over the API, as `user`. */
    const completeVia = async (user: string, instanceId: string, elementId: string, variables: Record<string, unknown>): Promise<void> => {
      const task = await eventually(async () => {
        const res = await request(server.baseUrl).get('/api/tasks').query({ processInstanceId: instanceId, state: 'created' }).set(bearer('admin'));
        const found = (res.body.items as { id: string; elementId: string }[]).find((t) => t.elementId === elementId);
        if (!found) throw new Error(`no ${elementId} yet`);
        return found;
      });
      await request(server.baseUrl).post(`/api/tasks/${task.id}/complete`).set(bearer(user)).send({ variables }).expect(200);
    };
    // bob (cab) requests an emergency change: the cab's vote is offered to his group, but not to him
    const change = await request(server.baseUrl).post('/api/process-instances').set(bearer('bob')).send({ processId: 'change' });
    expect(change.status).toBe(201);
    await completeVia('bob', change.body.id, 'SubmitRfc', {
      title: 'Open port 443 on fw-2',
      description: 'vendor access',
      changeType: 'emergency',
      impact: 'medium',
      affectedServices: 1,
      hasBackoutPlan: true,
      testedInStaging: true,
    });
    await completeVia('admin', change.body.id, 'PlanChange', { implementer: 'erin' });
    await signIn(page, server.baseUrl, 'bob');
    const barred = page.locator('#task-table tr', { hasText: 'Emergency change: Open port 443 on fw-2' });
    await barred.waitFor();
    await barred.locator('button[data-action=open]').click();
    await page.waitForSelector('#task-subject:has-text("Emergency change: Open port 443 on fw-2")');
    await page.waitForSelector('#task-form .fjs-form');
    // the form shows what is to be approved, from the approval's variables
    await page.waitForSelector('#task-form :text("Emergency change: Open port 443 on fw-2")');
    await page.waitForSelector('#task-segregation:has-text("you are the requester here")');
    expect(await page.locator('#complete-task').isDisabled()).toBe(true);
    await screenshot(page, 'task-segregation');

    // dave's laptop request goes to his manager bob, who hands the vote to alice
    const started = await request(server.baseUrl)
      .post('/api/process-instances')
      .set(bearer('dave'))
      .send({ processId: 'request', variables: { catalogItem: 'laptop', items: [{ sku: 'LAP-14', name: 'Laptop' }] } });
    expect(started.status).toBe(201);
    await page.click('#nav a:has-text("Tasks")');
    const vote = page.locator('#task-table tr', { hasText: 'Service request: laptop for dave' });
    await vote.waitFor();
    await vote.locator('button[data-action=open]').click();
    await page.waitForSelector('#task-form .fjs-form');
    await page.selectOption('#delegate-to', 'alice');
    await page.click('#delegate-task');
    await page.waitForSelector('#task-delegated:has-text("to alice")');
    // the vote is alice's now: it leaves bob's list
    await page.locator('#task-table tr', { hasText: 'Service request: laptop for dave' }).waitFor({ state: 'detached' });

    await signIn(page, server.baseUrl, 'alice');
    const delegated = page.locator('#task-table tr', { hasText: 'Service request: laptop for dave' });
    await delegated.waitFor();
    await delegated.locator('button[data-action=open]').click();
    await page.waitForSelector('#task-form .fjs-form');
    expect(await page.locator('#task-segregation').count()).toBe(0);
    await page.getByLabel('Approve', { exact: true }).check();
    await page.getByLabel('Comment').fill('standard laptop, fine');
    await page.click('#complete-task');
    await page.waitForSelector('#task-completed');
    const done = await eventually(async () => {
      const res = await request(server.baseUrl).get(`/api/process-instances/${started.body.id}`).set(bearer('admin'));
      if (res.body.variables.approvalOutcome === undefined) throw new Error('not decided yet');
      return res.body;
    });
    // the seat was bob's; the person who cast it is alice
    expect(done.variables).toMatchObject({ approvalOutcome: 'approved', approvalVotes: [{ seat: 'bob', voter: 'alice', decision: 'approve', comment: 'standard laptop, fine' }] });
  });

  test('admin: follows a service request into the approval it called, and back', async () => {
    await shippedProcesses();
    const started = await request(server.baseUrl)
      .post('/api/process-instances')
      .set(bearer('dave'))
      .send({ processId: 'request', variables: { catalogItem: 'laptop', items: [{ sku: 'LAP-14', name: 'Laptop' }] } });
    expect(started.status).toBe(201);
    await signIn(page, server.baseUrl, 'admin');
    await page.goto(`${server.baseUrl}/#/instances/${started.body.id}`);
    const child = page.locator('#instance-children a[data-child-id]', { hasText: 'approval' });
    await child.waitFor();
    const childId = await child.getAttribute('data-child-id');
    await child.click();
    await page.waitForSelector('#instance-title:has-text("approval v")');
    await page.waitForSelector('#instance-diagram .pd-active');
    await page.click('#instance-parent');
    await page.waitForSelector('#instance-title:has-text("request v")');
    // leave no vote open for the approver's journey, whichever runs first
    await request(server.baseUrl).post(`/api/process-instances/${started.body.id}/cancel`).set(bearer('admin')).send({}).expect(200);
    await eventually(async () => {
      const open = await request(server.baseUrl).get('/api/tasks').query({ processInstanceId: childId, state: 'created' }).set(bearer('admin'));
      expect(open.body.items).toEqual([]);
    });
  });

  test('designer: sees the instance with its taken path, counts and variables', async () => {
    const instanceId = await workedTicket();
    await signIn(page, server.baseUrl, 'owner');
    await page.click('#nav a:has-text("Instances")');
    await page.fill('#instances-process', PROCESS_ID);
    await page.click('form[role=search] button[type=submit]');
    await page.waitForSelector('#instance-results:not([aria-busy])');
    await page.locator(`#instance-table tr[data-instance-id="${instanceId}"] a`).waitFor();
    await screenshot(page, 'instances');
    await page.locator(`#instance-table tr[data-instance-id="${instanceId}"] a`).click();
    await page.waitForSelector('#instance-diagram .djs-container');
    await page.waitForSelector('#instance-state:has-text("completed")');
    await page.waitForSelector('.pd-count');
    // the way through "yes": Start, Review ticket, Fixed?, Cool-off, Close ticket, Done and the 5 flows between; not "no"
    expect(await page.locator('#instance-diagram .pd-taken').count()).toBe(11);
    expect(await page.locator('#instance-diagram .pd-count').count()).toBe(6);
    await page.waitForSelector('#instance-variables :text("resolution")');
    expect(await page.locator('#cancel-instance').count()).toBe(0); // designers may not cancel
    await screenshot(page, 'instance');
  });

  test('admin: sees an active instance with its active task marked and may cancel it', async () => {
    await ticketProcess();
    const started = await request(server.baseUrl).post('/api/process-instances').set(bearer('admin')).send({ processId: PROCESS_ID });
    await signIn(page, server.baseUrl, 'admin');
    expect(await page.locator('#nav a').allTextContents()).toEqual(['Modeler', 'Tasks', 'Tickets', 'New', 'Instances', 'Audit', 'Incidents', 'Change calendar', 'SLA report']);
    await page.goto(`${server.baseUrl}/#/instances/${started.body.id}`);
    await page.waitForSelector('#instance-diagram .pd-active');
    await screenshot(page, 'instance-active');
    page.once('dialog', (d) => void d.accept());
    await page.click('#cancel-instance');
    await page.waitForSelector('#instance-state:has-text("terminated")');
  });

  test('admin: retries an incident from the instance view', async () => {
    const xml = jobProcess('e2e-job');
    const admin = bearer('admin');
    expect(
      (
        await request(server.baseUrl)
          .post('/api/deployments')
          .set(admin)
          .send({ resources: [{ name: 'e2e-job.bpmn', content: xml }] })
      ).status,
    ).toBe(201);
    const started = await request(server.baseUrl).post('/api/process-instances').set(admin).send({ processId: 'e2e-job' });
    const job = await eventually(async () => {
      const r = await request(server.baseUrl).post('/api/jobs/activate').set(admin).send({ type: 'e2e-cmdb', worker: 'e2e', maxJobs: 1, lockMs: 10_000 });
      if (!r.body.jobs?.[0]) throw new Error('no job yet');
      return r.body.jobs[0];
    });
    expect((await request(server.baseUrl).post(`/api/jobs/${job.key}/fail`).set(admin).send({ retries: 0, errorMessage: 'CMDB unreachable' })).status).toBe(200);
    await eventually(async () => {
      const r = await request(server.baseUrl).get(`/api/process-instances/${started.body.id}`).set(admin);
      if (r.body.state !== 'incident') throw new Error(`state ${r.body.state}`);
    });
    await signIn(page, server.baseUrl, 'admin');
    await page.goto(`${server.baseUrl}/#/instances/${started.body.id}`);
    await page.waitForSelector('#instance-incidents li.incident.open:has-text("CMDB unreachable")');
    await page.waitForSelector('#instance-diagram .djs-container');
    await screenshot(page, 'instance-incident');
    // the admin records the fix in the instance's data before retrying
    await page.fill('#set-variables', '{"cmdbEndpoint": "https://cmdb-2.example.com"}');
    await page.click('#set-variables-button');
    await page.waitForSelector('#instance-variables :text("cmdbEndpoint")');
    await page.click('#instance-incidents button:has-text("Retry")');
    await page.waitForSelector('#instance-incidents li.incident.resolved');
    expect(await page.locator('#instance-incidents button:has-text("Retry")').count()).toBe(0);
    const events = (await request(server.baseUrl).get(`/api/process-instances/${started.body.id}/history`).set(admin)).body.events as { type: string; actor: string }[];
    expect(events.find((e) => e.type === 'variables.set')?.actor).toBe('admin');
  });

  test('process owner: retries an incident and cancels an instance of a process they own; another designer gets neither control', async () => {
    const owner = bearer('owner');
    expect(
      (
        await request(server.baseUrl)
          .post('/api/deployments')
          .set(owner)
          .send({ resources: [{ name: 'e2e-owned.bpmn', content: jobProcess('e2e-owned', 'e2e-owned-cmdb') }] })
      ).status,
    ).toBe(201);
    const ids: string[] = [];
    for (let i = 0; i < 2; i++) ids.push((await request(server.baseUrl).post('/api/process-instances').set(owner).send({ processId: 'e2e-owned' })).body.id);
    const jobs = await eventually(async () => {
      const r = await request(server.baseUrl).post('/api/jobs/activate').set(bearer('worker')).send({ type: 'e2e-owned-cmdb', worker: 'e2e', maxJobs: 2, lockMs: 10_000 });
      if (r.body.jobs?.length !== 2) throw new Error('jobs not there yet');
      return r.body.jobs as { key: string; processInstanceId: string }[];
    });
    for (const j of jobs) await request(server.baseUrl).post(`/api/jobs/${j.key}/fail`).set(bearer('worker')).send({ retries: 0, errorMessage: 'CMDB unreachable' }).expect(200);
    const [retried, canceled] = ids;
    await eventually(async () => {
      for (const id of ids) if ((await request(server.baseUrl).get(`/api/process-instances/${id}`).set(owner)).body.state !== 'incident') throw new Error('no incident yet');
    });

    await signIn(page, server.baseUrl, 'frank');
    await page.goto(`${server.baseUrl}/#/instances/${retried}`);
    await page.waitForSelector('#instance-incidents li.incident.open:has-text("CMDB unreachable")');
    expect(await page.locator('#instance-incidents button:has-text("Retry")').count()).toBe(0);
    expect(await page.locator('#cancel-instance').count()).toBe(0);

    await signIn(page, server.baseUrl, 'owner');
    await page.goto(`${server.baseUrl}/#/instances/${retried}`);
    await page.click('#instance-incidents button:has-text("Retry")');
    await page.waitForSelector('#instance-incidents li.incident.resolved');
    expect(await page.locator('#set-variables').count()).toBe(0); // changing an instance's data stays with admins
    await page.goto(`${server.baseUrl}/#/instances/${canceled}`);
    page.once('dialog', (d) => void d.accept());
    await page.click('#cancel-instance');
    await page.waitForSelector('#instance-state:has-text("terminated")');
    const events = (await request(server.baseUrl).get(`/api/process-instances/${canceled}/history`).set(bearer('admin'))).body.events as { type: string; actor: string }[];
    expect(events.find((e) => e.type === 'instance.terminated')?.actor).toBe('owner');
  });

  test('auditor: searches, reads the timeline, verifies the hash chain, exports', async () => {
    const instanceId = await workedTicket();
    await signIn(page, server.baseUrl, 'carol');
    expect(await page.locator('#nav a').allTextContents()).toEqual(['Audit', 'Incidents', 'SLA report']);
    await page.fill('#audit-business-key', 'INC-1');
    await page.click('form[role=search] button[type=submit]');
    await page.waitForSelector('#audit-results:not([aria-busy])'); // the filtered answer, not the first unfiltered one
    await page.locator(`#audit-table tr[data-instance-id="${instanceId}"] a`).waitFor();
    expect(await page.locator('#audit-table tbody tr').count()).toBe(1); // only INC-1
    await screenshot(page, 'audit-search');
    await page.locator(`#audit-table tr[data-instance-id="${instanceId}"] a`).click();
    await page.waitForSelector('#verify-result.valid:has-text("valid")');
    expect(await page.locator('#history-table tbody tr[data-type="task.completed"]').count()).toBe(2);
    await page.locator('#history-table tbody tr[data-type="task.completed"] td', { hasText: 'alice' }).first().waitFor();
    await screenshot(page, 'audit');
    const [csv] = await Promise.all([page.waitForEvent('download'), page.click('#export-csv')]);
    const text = fs.readFileSync((await csv.path())!, 'utf8');
    expect(text.split('\r\n')[0]).toBe('seq,at,type,elementId,actor,data,prevHash,hash');
    const [json] = await Promise.all([page.waitForEvent('download'), page.click('#export-json')]);
    expect(JSON.parse(fs.readFileSync((await json.path())!, 'utf8')).events.length).toBeGreaterThan(5);
    const [evidence] = await Promise.all([page.waitForEvent('download'), page.click('#export-evidence-json')]);
    const pack = JSON.parse(fs.readFileSync((await evidence.path())!, 'utf8'));
    expect(pack).toMatchObject({ instance: { id: instanceId }, verification: { valid: true } });
    expect(pack.participants.alice).toEqual(expect.arrayContaining(['task.completed Review ticket']));
    const [evidenceCsv] = await Promise.all([page.waitForEvent('download'), page.click('#export-evidence-csv')]);
    expect(fs.readFileSync((await evidenceCsv.path())!, 'utf8').split('\r\n')[0]).toBe('instanceId,processId,seq,at,action,elementId,elementName,actor,data');
  });
});

describeShared(MIWG_DIR, 'the modeler opens every MIWG reference model', () => {
  const files = fs.existsSync(MIWG_DIR)
    ? fs
        .readdirSync(MIWG_DIR)
        .filter((f) => f.endsWith('.bpmn'))
        .sort()
    : [];

  test('there are models to open', () => {
    expect(files.length).toBeGreaterThanOrEqual(21);
  });

  test('each model shows all its shapes', async () => {
    await signIn(page, server.baseUrl, 'owner');
    await page.waitForSelector('#canvas .djs-container');
    const mismatches: string[] = [];
    let diagrams = 0;
    for (const file of files) {
      await page.setInputFiles('#import-file', path.join(MIWG_DIR, file));
      await page.waitForSelector(`#modeler-status:has-text("Opened ${file}")`);
      if (file === 'C.1.0.bpmn') {
        await page.waitForSelector('.pd-issue.lint-error');
        await screenshot(page, 'modeler-miwg-C.1.0');
      }
      const lintFailures = await page.locator('#problems li:has-text("lint-failure")').allTextContents();
      if (lintFailures.length) mismatches.push(`${file}: ${lintFailures.join('; ')}`);
      // every diagram of the file in turn: the shapes rendered against the BPMNShapes of its plane
      const result = await page.evaluate(async () => {
        const m = (window as any).__modeler;
        const out: { diagram: string; expected: number; shown: number }[] = [];
        const diagrams = [...(m.getDefinitions().diagrams ?? [])].filter((d: any) => d.id); // bpmn-js adds id-less ones for drill-down
        for (const diagram of diagrams) {
          await m.open(diagram);
          const expected = (diagram.plane.planeElement ?? []).filter((e: any) => e.$type === 'bpmndi:BPMNShape').length;
          const shown = m.get('elementRegistry').filter((e: any) => !e.waypoints && e.type !== 'label' && e.parent).length;
          out.push({ diagram: diagram.id, expected, shown });
        }
        return out;
      });
      const xml = fs.readFileSync(path.join(MIWG_DIR, file), 'utf8');
      const inFile = (xml.match(/<(\w+:)?BPMNShape[\s>]/g) ?? []).length;
      expect(result.reduce((n, d) => n + d.expected, 0)).toBe(inFile);
      diagrams += result.length;
      if (process.env.E2E_VERBOSE) console.log(file, JSON.stringify(result));
      // every one, B.1.0 and B.2.0 included: they draw a called process inside an expanded call activity
      const shown = result.reduce((n, d) => n + d.shown, 0);
      if (shown !== inFile) mismatches.push(`${file}: ${shown} shapes shown, ${inFile} BPMNShape in the file`);
    }
    expect(mismatches).toEqual([]);
    expect(diagrams).toBeGreaterThanOrEqual(files.length);
  }, 60_000);

  test('B.1.0: the process an expanded call activity calls is drawn inside it, and stays in its own process when dragged at', async () => {
    await signIn(page, server.baseUrl, 'owner');
    await page.waitForSelector('#canvas .djs-container');
    await page.setInputFiles('#import-file', path.join(MIWG_DIR, 'B.1.0.bpmn'));
    await page.waitForSelector('#modeler-status:has-text("Opened B.1.0.bpmn")');
    const call = (await page.locator('#canvas g.djs-element[data-element-id="_ba16239e-181e-4b9f-bc5b-0bb2ee973450"]').boundingBox())!;
    const task = page.locator('#canvas g.djs-element[data-element-id="_c57a5344-213f-4834-a6c3-94ce878b413c"]');
    const before = (await task.boundingBox())!;
    expect(before.x).toBeGreaterThan(call.x);
    expect(before.x + before.width).toBeLessThan(call.x + call.width);
    expect(before.y).toBeGreaterThan(call.y);
    expect(before.y + before.height).toBeLessThan(call.y + call.height);
    // a drag out of the call activity into an empty spot of Lane 2 is refused: the task belongs to the
    // called process (bpmn-js alone would move it into the caller's process)
    const lane = (await page.locator('#canvas g.djs-element[data-element-id="_3400f56a-4565-47d1-91db-0ba17b958cb2"]').boundingBox())!;
    await page.mouse.move(before.x + before.width / 2, before.y + before.height / 2);
    await page.mouse.down();
    await page.mouse.move(lane.x + 50, lane.y + lane.height - 30, { steps: 12 });
    await page.mouse.up();
    expect(await task.boundingBox()).toEqual(before);
    const [exported] = await Promise.all([page.waitForEvent('download'), page.click('#export-diagram')]);
    const xml = fs.readFileSync((await exported.path())!, 'utf8');
    const called = /<(\w+:)?process [^>]*id="Process_ba16239e-181e-4b9f-bc5b-0bb2ee973450"[\s\S]*?<\/(\w+:)?process>/.exec(xml)?.[0] ?? '';
    expect(called).toContain('id="_c57a5344-213f-4834-a6c3-94ce878b413c"');
  });
});
