/**
 * A form-js form in a container, submitted with its validation shown as a list of what to correct: the
 * start forms (newTicket.ts) and the ticket actions' forms (ticketActions.ts) use it, and the task page
 * (taskPage.ts) its `submitted`. A form built from
 * plain field names stands in where a process declares none.
 */
import '@bpmn-io/form-js/dist/assets/form-js.css';
import { Form } from '@bpmn-io/form-js';
import { errorText, h } from './dom';

export interface FormPanel {
  /** The form's data when valid; otherwise undefined, with what to correct shown in `messages`. */
  submit: () => Record<string, unknown> | undefined;
  destroy: () => void;
}

/** A form-js schema of one required-free text field per variable name (labels are the names). */
export function generatedForm(id: string, fields: string[]): Record<string, unknown> {
  return { id, type: 'default', components: fields.map((key) => ({ type: 'textfield', key, label: key, id: `${id}-${key}` })) };
}

/** The fields filled in: a field left empty is not sent (absent, not an empty string a schema may refuse). */
function given(values: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(values).filter(([, v]) => v !== '' && v !== null && v !== undefined));
}

/**
 * The data of a form-js form (`form.submit()`) with its empty fields left out (`given`) when it is
 * valid; otherwise undefined, with the fields to correct listed in `messages`.
 */
export function submitted(form: any, messages: HTMLElement): Record<string, unknown> | undefined {
  const { data, errors } = form.submit();
  const invalid = Object.entries(errors ?? {}).filter(([, list]) => (list as string[]).length);
  if (!invalid.length) return given(data as Record<string, unknown>);
  const registry = form.get('formFieldRegistry');
  const labelOf = (id: string): string => {
    const f = registry?.get(id);
    return f?.label || f?.key || id;
  };
  messages.append(
    h('p', { class: 'error' }, `Please correct ${invalid.length} field(s):`),
    h(
      'ul',
      {},
      invalid.map(([k, list]) => h('li', {}, `${labelOf(k)}: ${(list as string[]).join(', ')}`)),
    ),
  );
  return undefined;
}

export async function showForm(container: HTMLElement, messages: HTMLElement, schema: unknown, data: Record<string, unknown> = {}): Promise<FormPanel> {
  // no debounce: a value typed just before Create/Send is in the data submitted (form-js reads the
  // `debounce` config option; its FormOptions type does not list it)
  const options = { container, debounce: false };
  const form: any = new Form(options as ConstructorParameters<typeof Form>[0]);
  try {
    await form.importSchema(schema, data);
  } catch (err) {
    messages.replaceChildren(h('p', { class: 'error' }, `The form could not be shown: ${errorText(err)}`));
  }
  return {
    submit: () => {
      messages.replaceChildren();
      return submitted(form, messages);
    },
    destroy: () => form.destroy(),
  };
}

/** The server's refusal, with the schema details it names, in `messages`. */
export function showRefusal(messages: HTMLElement, what: string, err: unknown): void {
  const details = (err as { details?: { instancePath?: string; elementId?: string; message?: string }[] }).details ?? [];
  messages.append(h('p', { class: 'error' }, `${what}: ${errorText(err)}`));
  if (details.length)
    messages.append(
      h(
        'ul',
        {},
        details.map((d) => h('li', {}, `${String(d.instancePath ?? d.elementId ?? '')} ${d.message ?? ''}`)),
      ),
    );
}
