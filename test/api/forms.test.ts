/** form-js JSON -> JSON Schema of a task completion (api/forms.ts). */
import { formToSchema, formValidator } from '../../api/forms';

const valid = (form: unknown, value: unknown): boolean => formValidator(JSON.stringify(form), form)(value) as boolean;

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
      ],
    };
    const schema = formToSchema(form) as { required: string[]; properties: Record<string, unknown> };
    expect(schema.required).toEqual(['title', 'tags']);
    expect(Object.keys(schema.properties).sort()).toEqual(['dyn', 'n', 'notes', 'r', 'tags', 'title']);
    expect(valid(form, { title: 'Ok', tags: ['t1'] })).toBe(true);
    expect(valid(form, { title: 'ok', tags: ['t1'] })).toBe(false);
    expect(valid(form, { title: 'Ok', tags: [] })).toBe(false);
    expect(valid(form, { title: 'Ok', tags: ['t1'], notes: 'too long' })).toBe(false);
    expect(valid(form, { title: 'Ok', tags: ['t1'], n: 11 })).toBe(false);
    expect(valid(form, { title: 'Ok', tags: ['t1'], n: null, r: null, dyn: 'anything' })).toBe(true);
    expect(valid(form, { title: 'Ok', tags: ['t1'], r: 'z' })).toBe(false);
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
  });

  test('a form without components accepts anything', () => {
    expect(valid({}, { a: 1 })).toBe(true);
    expect(valid(null, {})).toBe(true);
  });
});
