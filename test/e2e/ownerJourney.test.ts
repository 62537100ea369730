/**
 * The process owner's journey in real Chromium against a real server, through the UI as a person does:
 * a New process asks for its name and id (checked), drawing it is saved as a server draft that survives a
 * reload (and leaving asks first), a form is built in the form builder and attached to the user task, the
 * process is deployed twice, the version history shows both versions with their instances, the diff
 * between them and a version's heatmap once an instance ran. And the lint cases: no false duplicate
 * flows after the replace menu, an empty timer and an unknown form are errors before deploy; Camunda's
 * findings (an imported diagram) in the same list and overlays.
 */
import type { Browser, BrowserContext, Dialog, Page } from 'playwright-core';
import request from 'supertest';
import { bearer, eventually } from '../api/helpers';
import { Drawing } from './draw';
import { ensureWebBuild, launchChromium, screenshot, signIn, startWebServer, watchErrors, type WebServer } from './support';

jest.setTimeout(90_000);

let server: WebServer;
let browser: Browser;
let context: BrowserContext | undefined;
let page: Page;
let errors: string[] = [];
/** The confirm and beforeunload dialogs the page opened (all accepted), as `type: message`. */
let dialogs: string[] = [];

beforeAll(async () => {
  ensureWebBuild();
  [server, browser] = await Promise.all([startWebServer(), launchChromium()]);
}, 120_000);

afterAll(async () => {
  await context?.close();
  await browser?.close();
  await server?.close();
});

afterEach(() => {
  expect(errors.splice(0)).toEqual([]);
});

async function freshPage(user: string): Promise<void> {
  await context?.close();
  context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  page = await context.newPage();
  page.setDefaultTimeout(10_000);
  errors = watchErrors(page);
  dialogs = [];
  page.on('dialog', (d: Dialog) => {
    dialogs.push(`${d.type()}: ${d.message()}`);
    void d.accept();
  });
  await signIn(page, server.baseUrl, user);
  await page.waitForSelector('#canvas .djs-container');
}

/** The toolbar's New: fills the dialog and creates, or leaves the dialog open with its error when `expectError`. */
async function newProcess(name: string, id: string | undefined, expectError?: RegExp): Promise<void> {
  if (!(await page.locator('#new-process-name').isVisible())) await page.click('#new-diagram');
  await page.fill('#new-process-name', name);
  if (id !== undefined) await page.fill('#new-process-id', id);
  await page.click('#new-process-create');
  if (expectError) {
    await page.waitForSelector(`#new-process-error:text-matches("${expectError.source}")`);
    return;
  }
  await page.waitForSelector('#new-process-name', { state: 'detached' });
  await page.waitForSelector('#modeler-status:has-text("Opened")');
}

const problems = (): Promise<string[]> => page.locator('#problems li').allTextContents();

describe('lint in the modeler', () => {
  test('replacing elements with the replace menu leaves no false "duplicate sequence flow"; an empty timer and an unknown form are errors', async () => {
    await freshPage('owner');
    await newProcess('Lint check', 'lint-check');
    const d = new Drawing(page);
    const gateway = await d.append('StartEvent_1', 'append.gateway', 'Which?');
    const a = await d.append(gateway, 'append.append-task', 'Work A');
    const b = await d.append(gateway, 'append.append-task', 'Work B');
    const end = await d.append(a, 'append.end-event', 'Done');
    await d.connect(b, end);
    const userTask = await d.replace(a, 'replace-with-user-task');
    await d.replace(b, 'replace-with-service-task');
    await d.replace(gateway, 'replace-with-parallel-gateway');
    await page.waitForSelector('#problems li:has-text("zeebe-task-type")');
    expect((await problems()).filter((p) => /duplicate/i.test(p))).toEqual([]);

    // an intermediate timer event without a value
    const wait = await d.append(userTask, 'append.intermediate-event', 'Wait');
    await d.replace(wait, 'replace-with-timer-intermediate-catch');
    await page.waitForSelector(`#problems li.error:has-text("processdesk/timer-defined")`);
    await d.properties({ 'group-timer/timerEventDefinitionType': 'timeDuration', 'group-timer/timerEventDefinitionValue': 'PT1H' });
    await page.waitForFunction(() => !document.querySelector('#problems')?.textContent?.includes('timer-defined'));

    // a form that is neither deployed nor with the diagram
    await d.select(userTask);
    await d.properties({ 'group-form/formType': 'camunda-form-linked', 'group-form/formId': 'no-such-form' });
    await page.waitForSelector(`#problems li.error:has-text("uses form no-such-form, which is neither deployed nor attached")`);
    expect((await problems()).filter((p) => /duplicate/i.test(p))).toEqual([]);
  });
});

/**
 * A diagram as Camunda 8 users bring it: a user task without a form (Camunda warns) and a call activity
 * without its called process (Camunda's error; ProcessDesk's own rules say nothing about it).
 */
const CAMUNDA_CHECKED = `<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:bpmndi="http://www.omg.org/spec/BPMN/20100524/DI"
  xmlns:dc="http://www.omg.org/spec/DD/20100524/DC" xmlns:di="http://www.omg.org/spec/DD/20100524/DI" xmlns:zeebe="http://camunda.org/schema/zeebe/1.0"
  id="Definitions_camunda" targetNamespace="http://bpmn.io/schema/bpmn">
  <bpmn:process id="camunda-checked" name="Camunda checked" isExecutable="true">
    <bpmn:startEvent id="Start" name="Start"><bpmn:outgoing>F1</bpmn:outgoing></bpmn:startEvent>
    <bpmn:userTask id="Review" name="Review"><bpmn:extensionElements><zeebe:userTask /><zeebe:assignmentDefinition candidateGroups="cab" /></bpmn:extensionElements><bpmn:incoming>F1</bpmn:incoming><bpmn:outgoing>F2</bpmn:outgoing></bpmn:userTask>
    <bpmn:callActivity id="Approve" name="Approve"><bpmn:incoming>F2</bpmn:incoming><bpmn:outgoing>F3</bpmn:outgoing></bpmn:callActivity>
    <bpmn:endEvent id="End" name="Done"><bpmn:incoming>F3</bpmn:incoming></bpmn:endEvent>
    <bpmn:sequenceFlow id="F1" sourceRef="Start" targetRef="Review" />
    <bpmn:sequenceFlow id="F2" sourceRef="Review" targetRef="Approve" />
    <bpmn:sequenceFlow id="F3" sourceRef="Approve" targetRef="End" />
  </bpmn:process>
  <bpmndi:BPMNDiagram id="Diagram"><bpmndi:BPMNPlane id="Plane" bpmnElement="camunda-checked">
    <bpmndi:BPMNShape id="Start_di" bpmnElement="Start"><dc:Bounds x="152" y="102" width="36" height="36" /></bpmndi:BPMNShape>
    <bpmndi:BPMNShape id="Review_di" bpmnElement="Review"><dc:Bounds x="240" y="80" width="100" height="80" /></bpmndi:BPMNShape>
    <bpmndi:BPMNShape id="Approve_di" bpmnElement="Approve"><dc:Bounds x="400" y="80" width="100" height="80" /></bpmndi:BPMNShape>
    <bpmndi:BPMNShape id="End_di" bpmnElement="End"><dc:Bounds x="562" y="102" width="36" height="36" /></bpmndi:BPMNShape>
    <bpmndi:BPMNEdge id="F1_di" bpmnElement="F1"><di:waypoint x="188" y="120" /><di:waypoint x="240" y="120" /></bpmndi:BPMNEdge>
    <bpmndi:BPMNEdge id="F2_di" bpmnElement="F2"><di:waypoint x="340" y="120" /><di:waypoint x="400" y="120" /></bpmndi:BPMNEdge>
    <bpmndi:BPMNEdge id="F3_di" bpmnElement="F3"><di:waypoint x="500" y="120" /><di:waypoint x="562" y="120" /></bpmndi:BPMNEdge>
  </bpmndi:BPMNPlane></bpmndi:BPMNDiagram>
</bpmn:definitions>`;

describe("Camunda's rules in the modeler", () => {
  test("an imported diagram shows Camunda's findings in the problem list and on the elements, by rule set and rule; their chunk comes on first use", async () => {
    await freshPage('owner');
    const fetched = (): Promise<string[]> => page.evaluate(() => performance.getEntriesByType('resource').map((e) => e.name));
    // the starting diagram is linted (ProcessDesk's and bpmnlint's findings), without Camunda's rules
    await page.waitForSelector('#problems li:has-text("end-event-required")');
    expect((await fetched()).filter((url) => /camundaLint/.test(url))).toEqual([]);

    await page.setInputFiles('#import-file', { name: 'camunda-checked.bpmn', mimeType: 'application/xml', buffer: Buffer.from(CAMUNDA_CHECKED) });
    await page.waitForSelector('#modeler-status:has-text("Opened camunda-checked.bpmn")');
    const calledElement = page.locator('#problems li.error:has-text("camunda-compat/called-element")');
    await calledElement.waitFor();
    expect(await calledElement.textContent()).toContain('Approve (Approve)');
    expect(await calledElement.textContent()).toContain('must have one extension element of type <zeebe:CalledElement>');
    await page.waitForSelector('#problems li.warn:has-text("camunda-compat/user-task-definition")');
    // marked on the canvas: the call activity in red, its tooltip Camunda's message
    const overlay = page.locator('.pd-issue.lint-error[data-element-id="Approve"]');
    await overlay.waitFor();
    expect(await overlay.getAttribute('title')).toContain('zeebe:CalledElement');
    expect((await fetched()).filter((url) => /camundaLint/.test(url)).length).toBe(1);
    await screenshot(page, 'owner-camunda-lint');

    // the called process set in the properties panel: Camunda's error is gone, its warning stays
    const d = new Drawing(page);
    await d.select('Approve');
    await d.properties({ 'group-calledElement/targetProcessId': 'approval' });
    await page.waitForFunction(() => !document.querySelector('#problems')?.textContent?.includes('camunda-compat/called-element'));
    expect(await page.locator('#problems li:has-text("camunda-compat/user-task-definition")').count()).toBe(1);
    expect(await page.locator('.pd-issue[data-element-id="Approve"]').count()).toBe(0);
  });
});

/** Drags a palette entry of the form builder onto the form, as a person does with the mouse. */
async function dragFormField(type: string): Promise<void> {
  const from = (await page.locator(`.fjs-palette-field[data-field-type="${type}"]`).boundingBox())!;
  const to = (await page.locator('#form-editor .fjs-form-container').boundingBox())!;
  await page.mouse.move(from.x + from.width / 2, from.y + from.height / 2);
  await page.mouse.down();
  await page.mouse.move(from.x + from.width / 2 + 20, from.y + from.height / 2, { steps: 5 });
  await page.mouse.move(to.x + to.width / 2, to.y + 40, { steps: 15 });
  await page.mouse.up();
}

describe('the owner journey', () => {
  const ID = 'laptop-request';
  let taskId = '';
  let endId = '';

  test('New asks for a name and an id: a bad id and a deployed process of someone else are refused', async () => {
    // a process of the admin's, which the owner may not take over by its id
    const admins = (
      await request(server.baseUrl)
        .post('/api/deployments')
        .set(bearer('admin'))
        .send({ resources: [{ name: 'payroll.bpmn', content: PAYROLL }] })
    ).status;
    expect(admins).toBe(201);
    await freshPage('owner');
    await page.click('#new-diagram');
    await page.fill('#new-process-name', 'Laptop request');
    // the id follows the name until it is typed
    expect(await page.inputValue('#new-process-id')).toBe(ID);
    await newProcess('Laptop request', '1-laptop', /XML name/);
    await newProcess('Laptop request', 'payroll', /deployed process of admin/);
    await newProcess('Laptop request', ID);
    expect(await page.locator('#process-title').innerText()).toBe(`Laptop request — ${ID}`);
    await screenshot(page, 'owner-new-process');
  });

  test('drawing is saved as a draft that survives a reload; leaving asks first', async () => {
    const d = new Drawing(page);
    taskId = await d.replace(await d.append('StartEvent_1', 'append.append-task', 'Approve laptop'), 'replace-with-user-task');
    await d.properties({ 'group-assignmentDefinition/assignmentDefinitionCandidateGroups': 'service-desk' });
    endId = await d.append(taskId, 'append.end-event', 'Ordered');
    await page.waitForSelector('#draft-state:has-text("Draft saved")');
    // saved once the drawing pauses: the draft on the server holds the task and the end event
    await eventually(async () => {
      const saved = await request(server.baseUrl).get(`/api/drafts/${ID}`).set(bearer('owner'));
      if (!saved.body.xml?.includes('name="Ordered"')) throw new Error(`draft: ${saved.status} ${saved.body.xml ?? ''}`);
      expect(saved.body.xml).toContain('name="Approve laptop"');
    }, 10_000);

    // leaving for another page asks (the confirm is accepted by this test)
    await page.click('#nav a:has-text("Instances")');
    await page.waitForSelector('#instances-title');
    expect(dialogs).toEqual([expect.stringMatching(/^confirm: The diagram has changes that are not deployed/)]);

    // the draft is offered when the modeler opens again, also after a reload
    await page.goto(`${server.baseUrl}/#/modeler`);
    await page.reload();
    await page.click(`#resume-draft-${ID}`);
    await page.waitForSelector(`#canvas g.djs-element[data-element-id="${taskId}"]`);
    expect(await page.locator('#process-title').innerText()).toBe(`Laptop request — ${ID}`);
    // a resumed draft is still not deployed: closing the tab asks
    dialogs = [];
    await page.reload();
    expect(dialogs).toEqual([expect.stringMatching(/^beforeunload/)]);
    await page.click(`#resume-draft-${ID}`);
    await page.waitForSelector(`#canvas g.djs-element[data-element-id="${taskId}"]`);
  });

  test('a form built in the form builder is attached to the user task and deployed with the process', async () => {
    await page.click('#open-form-builder');
    await page.fill('#new-form-id', 'laptop-form');
    await page.click('#new-form');
    await page.waitForSelector('#form-editing:has-text("Editing laptop-form")');
    await dragFormField('textfield');
    await page.click('#form-editor .bio-properties-panel-group-header:has-text("General")');
    const key = page.locator('#form-editor #bio-properties-panel-key');
    await key.fill('reason');
    await key.blur();
    await page.click('#save-form');
    await page.waitForSelector('#form-editing:has-text("saved with the diagram")');
    await screenshot(page, 'owner-form-builder');
    await page.click('#close-form-builder');
    await page.waitForSelector('#attached-forms:has-text("laptop-form")');

    const d = new Drawing(page);
    await d.select(taskId);
    await d.properties({ 'group-form/formType': 'camunda-form-linked', 'group-form/formId': 'laptop-form' });
    await page.waitForFunction(() => !document.querySelector('#problems li.error'));
    await page.click('#deploy');
    await page.waitForSelector(`#modeler-status:has-text("Deployed ${ID} v1")`);
    // the deployment took the draft's place, and the form went with it
    expect((await request(server.baseUrl).get(`/api/drafts/${ID}`).set(bearer('owner'))).status).toBe(404);
    expect(JSON.parse((await request(server.baseUrl).get('/api/forms/laptop-form').set(bearer('owner'))).text).components).toEqual([
      expect.objectContaining({ type: 'textfield', key: 'reason' }),
    ]);
  });

  test('a second version; the version history shows both with their instances, the diff between them and the heatmap', async () => {
    // v1 has an instance that ran through the task (its form) and one waiting in it
    const done = (await request(server.baseUrl).post('/api/process-instances').set(bearer('owner')).send({ processId: ID })).body.id as string;
    await request(server.baseUrl).post('/api/process-instances').set(bearer('owner')).send({ processId: ID });
    const task = await eventually(async () => {
      const res = await request(server.baseUrl).get('/api/tasks').query({ processInstanceId: done, state: 'created' }).set(bearer('admin'));
      if (!res.body.items?.length) throw new Error('no task yet');
      return res.body.items[0] as { id: string };
    });
    expect(
      (
        await request(server.baseUrl)
          .post(`/api/tasks/${task.id}/complete`)
          .set(bearer('alice'))
          .send({ variables: { reason: 'old one broke' } })
      ).status,
    ).toBe(200);

    // v2: a second task beside the first, leading to the same end
    const d = new Drawing(page);
    const check = await d.replace(await d.append(taskId, 'append.append-task', 'Check budget'), 'replace-with-user-task');
    await d.properties({ 'group-assignmentDefinition/assignmentDefinitionCandidateGroups': 'service-desk' });
    await d.connect(check, endId);
    await page.waitForFunction(() => !document.querySelector('#problems li.error'));
    await page.click('#deploy');
    await page.waitForSelector(`#modeler-status:has-text("Deployed ${ID} v2")`);
    await request(server.baseUrl).post('/api/process-instances').set(bearer('owner')).send({ processId: ID });

    await page.click('#version-history');
    await page.waitForSelector('#versions-table');
    const row = (v: number) => page.locator(`#versions-table tr[data-version="${v}"]`);
    await expect(row(2).locator('td').allTextContents()).resolves.toEqual(['v2', 'Laptop request', 'owner', expect.any(String), '1', '0', '0', '0', 'Heatmap of v2']);
    await expect(row(1).locator('td').allTextContents()).resolves.toEqual(['v1', 'Laptop request', 'owner', expect.any(String), '1', '0', '1', '0', 'Heatmap of v1']);

    // the diff from v1 to v2: the added task and flow on the new diagram, in the list too
    await page.click('#show-diff');
    await page.waitForSelector('#diff-list li');
    await page.waitForSelector(`#diff-new g.djs-element.diff-added[data-element-id="${check}"]`);
    expect(await page.locator(`#diff-list li[data-change="added"][data-element-id="${check}"]`).innerText()).toContain('UserTask "Check budget"');
    expect(await page.locator('#diff-list li[data-change="added"]').count()).toBe(3); // the task and its two flows
    await screenshot(page, 'owner-version-diff');

    // the heatmap of v1: one instance passed the task, one waits in it
    await page.click('#heatmap-v1');
    await page.waitForSelector(`#heatmap .heat-badges[data-element-id="${taskId}"]`);
    expect(await page.locator(`#heatmap .heat-badges[data-element-id="${taskId}"]`).innerText()).toMatch(/✓1\s*⏸1/);
    expect(await page.locator('#heatmap-summary').innerText()).toBe(`2 instance(s) of ${ID}:1.`);
    await page.waitForSelector(`#heatmap-viewer g.djs-element.heat-waiting[data-element-id="${taskId}"]`);
    await page.locator('#heatmap-viewer').scrollIntoViewIfNeeded();
    await screenshot(page, 'owner-heatmap');
  });
});

/** A one-task process of the admin's. */
const PAYROLL = `<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" id="d" targetNamespace="t">
  <bpmn:process id="payroll" isExecutable="true">
    <bpmn:startEvent id="s" />
    <bpmn:endEvent id="e" />
    <bpmn:sequenceFlow id="f" sourceRef="s" targetRef="e" />
  </bpmn:process>
</bpmn:definitions>`;
