/** form-js JSON -> JSON Schema of a task completion (api/forms.ts). */
import { formToSchema, formValidator, withoutReadonly } from '../../api/forms';

const valid = (form: unknown, value: unknown): boolean => formValidator(JSON.stringify(form), form).validate(value) as boolean;

describe('formToSchema', () => {
  test('field types, required and constraints', () => {
    const form = {
      components: [
        { type: 'textfield', key: 'title', validate: { required: true, pattern: '^[A-Z]' } },
        { type: 'textarea', key: 'notes', validate: { maxLength: 5 } },
        { type: 'number', key: 'n', validate: { min: 0, max: 10 } },
        { type: 'radio', key: 'r', values: [{ value: 'x' }, { value: 'y' }] },
        { type: 'taglist', key: 'tags', values: [{ value: 't1' }], validate: { required: true } },
        { type: 'select', key: 'dyn', valuesKey: 'options' },
        { type: 'button', key: 'submit' },
        { type: 'textfield', key: 'shown', readonly: true, validate: { required: true } },
        { type: 'textfield', key: 'off', disabled: true },
      ],
    };
    const { schema, readonly } = formToSchema(form) as unknown as { schema: { required: string[]; properties: Record<string, unknown> }; readonly: string[][] };
    expect(schema.required).toEqual(['title', 'tags']);
    expect(Object.keys(schema.properties).sort()).toEqual(['dyn', 'n', 'notes', 'r', 'shown', 'tags', 'title']);
    expect(readonly).toEqual([['shown']]);
    expect(valid(form, { title: 'Ok', tags: ['t1'] })).toBe(true);
    expect(valid(form, { title: 'ok', tags: ['t1'] })).toBe(false);
    expect(valid(form, { title: 'Ok', tags: [] })).toBe(false);
    expect(valid(form, { title: 'Ok', tags: ['t1'], notes: 'too long' })).toBe(false);
    expect(valid(form, { title: 'Ok', tags: ['t1'], n: 11 })).toBe(false);
    expect(valid(form, { title: 'Ok', tags: ['t1'], n: null, r: null, dyn: 'anything', shown: 'whatever' })).toBe(true);
    expect(valid(form, { title: 'Ok', tags: ['t1'], r: 'z' })).toBe(false);
  });

  test('a property the form does not declare is refused, a disabled field and a button included', () => {
    const form = {
      components: [
        { type: 'textfield', key: 'title' },
        { type: 'textfield', key: 'off', disabled: true },
        { type: 'button', key: 'submit' },
      ],
    };
    expect(valid(form, { title: 'x' })).toBe(true);
    for (const extra of [{ requester: 'bob' }, { off: 'x' }, { submit: true }]) expect(valid(form, { title: 'x', ...extra })).toBe(false);
    const { validate } = formValidator(JSON.stringify(form), form);
    validate({ title: 'x', requester: 'bob' });
    expect(validate.errors?.[0]).toMatchObject({ keyword: 'additionalProperties', params: { additionalProperty: 'requester' } });
  });

  test('read-only fields are accepted and never written, also inside a group', () => {
    const form = {
      components: [
        { type: 'textfield', key: 'summary', readonly: true },
        {
          type: 'group',
          path: 'ticket',
          components: [
            { type: 'textfield', key: 'priority', readonly: true },
            { type: 'textfield', key: 'note' },
          ],
        },
        { type: 'custom-rating', key: 'stars' },
      ],
    };
    const { validate, readonly } = formValidator(JSON.stringify(form), form);
    const submitted = { summary: 'forged', ticket: { priority: 'P1', note: 'n' }, stars: 5 };
    expect(validate(submitted)).toBe(true);
    expect(withoutReadonly(submitted, readonly)).toEqual({ ticket: { note: 'n' }, stars: 5 });
    expect(submitted.summary).toBe('forged'); // the submission itself is left as it was
  });

  test('dotted keys, groups with a path and dynamic lists nest', () => {
    const form = {
      components: [
        { type: 'textfield', key: 'address.city', validate: { required: true } },
        { type: 'group', path: 'contact', components: [{ type: 'textfield', key: 'phone' }] },
        { type: 'dynamiclist', path: 'items', components: [{ type: 'number', key: 'qty', validate: { required: true } }] },
      ],
    };
    expect(valid(form, { address: { city: 'Oslo' }, contact: { phone: '1' }, items: [{ qty: 1 }] })).toBe(true);
    expect(valid(form, {})).toBe(false);
    expect(valid(form, { address: {} })).toBe(false);
    expect(valid(form, { address: { city: 'Oslo' }, items: [{}] })).toBe(false);
    expect(valid(form, { address: { city: 'Oslo' }, contact: { phone: 5 } })).toBe(false);
    expect(valid(form, { address: { city: 'Oslo', country: 'NO' } })).toBe(false);
  });

  test('a form without components accepts nothing but an empty submission', () => {
    expect(valid({}, {})).toBe(true);
    expect(valid({}, { a: 1 })).toBe(false);
    expect(valid(null, {})).toBe(true);
  });
});
