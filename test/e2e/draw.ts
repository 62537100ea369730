/**
 * Drawing in the web app's modeler the way a person does, with the mouse and the keyboard: palette
 * entries, the context pad (append, connect, the replace menu), direct editing of labels and the Zeebe
 * properties panel. Nothing here calls bpmn-js inside the page; element ids are read from the DOM
 * (`data-element-id`).
 */
import type { Locator, Page } from 'playwright-core';

type AppendAction = 'append.append-task' | 'append.gateway' | 'append.intermediate-event' | 'append.end-event';

export class Drawing {
  constructor(private readonly page: Page) {}

  shape(id: string): Locator {
    return this.page.locator(`#canvas g.djs-element[data-element-id="${id}"]`);
  }

  /** Ids of the selected elements. */
  private selected(): Promise<string[]> {
    return this.page.locator('#canvas g.djs-element.selected').evaluateAll((els) => els.map((e) => e.getAttribute('data-element-id') ?? ''));
  }

  private async selectedOne(what: string): Promise<string> {
    const ids = await this.selected();
    if (ids.length !== 1) throw new Error(`${what}: expected one selected element, found ${JSON.stringify(ids)}`);
    return ids[0];
  }

  private connections(): Promise<string[]> {
    return this.page.locator('#canvas g.djs-connection').evaluateAll((els) => els.map((e) => e.getAttribute('data-element-id') ?? ''));
  }

  /**
   * Clicks until `done`: for 400 ms after a drag (creating from the palette, connecting) diagram-js
   * swallows the next click on the canvas, so a click that came too soon is simply given again.
   */
  private async clickUntil(what: string, click: () => Promise<void>, done: () => Promise<boolean>): Promise<void> {
    for (let attempt = 0; attempt < 10; attempt++) {
      if (await done()) return;
      await click();
      for (let i = 0; i < 10 && !(await done()); i++) await this.page.waitForTimeout(20);
    }
    if (!(await done())) throw new Error(`${what}: the click did not take`);
  }

  /** Clicks a shape in its middle (a flow is selected by drawing it: connect() leaves it selected). */
  async select(id: string): Promise<void> {
    // a click on the one selected element would deselect it (diagram-js toggles)
    const isSelected = async (): Promise<boolean> => (await this.selected()).join() === id;
    if (await isSelected()) return;
    // the context pad of what is selected may cover the shape: click beside everything first
    if ((await this.selected()).length) await this.selectProcess();
    await this.clickUntil(`select ${id}`, () => this.shape(id).click(), isSelected);
  }

  /** Clicks an empty spot of the canvas (bottom middle): the process itself is selected. */
  async selectProcess(): Promise<void> {
    const box = (await this.page.locator('#canvas .djs-container').boundingBox())!;
    const header = this.page.locator('#properties .bio-properties-panel-header-type');
    await this.clickUntil(
      'select the process',
      () => this.page.mouse.click(box.x + box.width / 2, box.y + box.height - 20),
      async () => (await this.selected()).length === 0 && /process/i.test((await header.textContent()) ?? ''),
    );
  }

  /** Scrolls the canvas by (dx, dy) pixels with the mouse wheel, as one makes room on the right. */
  async scroll(dx: number, dy: number): Promise<void> {
    const box = (await this.page.locator('#canvas .djs-container').boundingBox())!;
    await this.page.mouse.move(box.x + box.width / 2, box.y + box.height - 20);
    await this.page.mouse.wheel(dx, dy);
  }

  /** Direct editing is open after appending or creating an activity or event: type its name, Enter. */
  private async typeLabel(name: string): Promise<void> {
    await this.page.waitForSelector('.djs-direct-editing-parent', { state: 'visible' });
    await this.page.keyboard.type(name);
    await this.page.keyboard.press('Enter');
    await this.page.waitForSelector('.djs-direct-editing-parent', { state: 'hidden' });
  }

  /** Context pad entry of `from` (the new element is connected to it); returns the new element. */
  async append(from: string, action: AppendAction, name?: string): Promise<string> {
    await this.select(from);
    await this.page.click(`.djs-context-pad .entry[data-action="${action}"]`);
    const id = await this.selectedOne(action);
    if (name !== undefined) {
      if (action === 'append.gateway')
        await this.properties({ name }); // gateways have no direct editing on append
      else await this.typeLabel(name);
    }
    return id;
  }

  /** The replace menu (wrench) of the context pad; returns the id of the replacement. */
  async replace(id: string, option: string): Promise<string> {
    await this.select(id);
    await this.page.click('.djs-context-pad .entry[data-action="replace"]');
    await this.page.click(`.djs-popup [data-id="${option}"]`);
    return this.selectedOne(option);
  }

  /** A palette entry, placed with a click at `at` (page coordinates). */
  async create(action: string, at: { x: number; y: number }, name?: string): Promise<string> {
    await this.page.click(`.djs-palette .entry[data-action="${action}"]`);
    await this.page.mouse.move(at.x, at.y, { steps: 4 });
    await this.page.mouse.click(at.x, at.y);
    const id = await this.selectedOne(action);
    if (name !== undefined) await this.typeLabel(name);
    return id;
  }

  /** The context pad's connect tool from one element to another; returns the new flow, which is left selected. */
  async connect(from: string, to: string): Promise<string> {
    const before = await this.connections();
    await this.select(from);
    await this.page.click('.djs-context-pad .entry[data-action="connect"]');
    await this.shape(to).click();
    const flow = (await this.connections()).filter((c) => !before.includes(c));
    if (flow.length !== 1) throw new Error(`connect ${from} -> ${to}: expected one new sequence flow, found ${JSON.stringify(flow)}`);
    if ((await this.selected()).join() !== flow[0]) throw new Error(`connect ${from} -> ${to}: the new flow ${flow[0]} is not selected`);
    return flow[0];
  }

  /** Opens a group of the properties panel (its header toggles it). */
  async group(groupId: string): Promise<void> {
    const header = this.page.locator(`#properties [data-group-id="${groupId}"] .bio-properties-panel-group-header`);
    if (!/\bopen\b/.test((await header.getAttribute('class')) ?? '')) await header.click();
  }

  /**
   * Fills fields of the properties panel of the selected element, by entry id (`name`, `id`,
   * `assignmentDefinitionAssignee`...); each field's group is opened first when given as `group/field`.
   * A FEEL editor (contenteditable) is typed into; selects are chosen by value.
   */
  async properties(fields: Record<string, string>): Promise<void> {
    for (const [key, value] of Object.entries(fields)) {
      const [group, field] = key.includes('/') ? key.split('/') : ['group-general', key];
      await this.group(group);
      const input = this.page.locator(`#bio-properties-panel-${field}`);
      const kind = await input.evaluate((e) => ((e as HTMLElement).isContentEditable ? 'feel' : e.tagName.toLowerCase()));
      if (kind === 'select') await input.selectOption(value);
      else if (kind === 'feel') {
        await input.click();
        await this.page.keyboard.type(value);
      } else await input.fill(value);
      // the panel applies text input debounced: leave the field so it is applied now
      if (kind !== 'select') await input.blur();
    }
  }
}
