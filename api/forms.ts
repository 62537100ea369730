/**
 * A task's form (form-js JSON, deployed as `*.form`) turned into a JSON Schema for the variables a
 * completion submits:
 *   textfield, textarea, datetime, password -> string   number -> number   checkbox -> boolean
 *   select, radio -> enum of values[].value   checklist, taglist -> array of those values
 *   validate.required -> required (and not null / not empty); validate.min/max/minLength/maxLength/pattern,
 *   validate.validationType email -> format email
 *   group / dynamiclist with a `path` nest their components under it (an object / an array of objects).
 * Keys with dots (`address.city`) nest too. A field left empty may be null unless it is required.
 * A submission holds the form's fields and nothing else: a property the form does not declare is refused
 * (a requester must not be able to set `requester`, `approvers` or anything a later step relies on).
 * Read-only fields are declared (form-js submits them) but never written: `readonly` lists their keys.
 * Fields of a type this file does not know (custom components) take any value.
 */
import type { ValidateFunction } from 'ajv';
import type { Schema } from './schemas';
import { compileBodySchema } from './validate';

interface FormComponent {
  type?: string;
  key?: string;
  path?: string;
  values?: { value?: unknown }[];
  valuesKey?: string;
  validate?: { required?: boolean; min?: number; max?: number; minLength?: number; maxLength?: number; pattern?: string; validationType?: string };
  components?: FormComponent[];
  disabled?: boolean;
  readonly?: boolean;
}

interface ObjectSchema {
  type: 'object';
  properties: Record<string, unknown>;
  required: string[];
  additionalProperties: false;
}

const newObject = (): ObjectSchema => ({ type: 'object', properties: {}, required: [], additionalProperties: false });

/** Component types that carry no value (layout and display). */
const NO_VALUE = new Set(['text', 'html', 'image', 'button', 'separator', 'spacer', 'iframe', 'table', 'documentPreview', 'default']);

function fieldSchema(c: FormComponent): Schema | undefined {
  const v = c.validate ?? {};
  const options = Array.isArray(c.values) && !c.valuesKey ? c.values.map((o) => o.value).filter((x) => x !== undefined) : undefined;
  switch (c.type) {
    case 'textfield':
    case 'textarea':
    case 'password':
    case 'datetime': {
      const s: Schema = { type: 'string' };
      if (v.minLength !== undefined) s.minLength = v.minLength;
      if (v.maxLength !== undefined) s.maxLength = v.maxLength;
      if (v.pattern) s.pattern = v.pattern;
      if (v.validationType === 'email') s.format = 'email';
      if (v.required && s.minLength === undefined) s.minLength = 1;
      return s;
    }
    case 'number': {
      const s: Schema = { type: 'number' };
      if (v.min !== undefined) s.minimum = v.min;
      if (v.max !== undefined) s.maximum = v.max;
      return s;
    }
    case 'checkbox':
      return { type: 'boolean' };
    case 'select':
    case 'radio':
      return options ? { enum: options } : {};
    case 'checklist':
    case 'taglist': {
      const s: Schema = { type: 'array', items: options ? { enum: options } : {} };
      if (v.required) s.minItems = 1;
      return s;
    }
    default:
      return c.type && NO_VALUE.has(c.type) ? undefined : {}; // a value of a kind we do not check
  }
}

/** The object schema at a dotted path below `root`, created on the way. */
function objectAt(root: ObjectSchema, dotted: string[]): ObjectSchema {
  let at = root;
  for (const part of dotted) {
    const existing = at.properties[part] as ObjectSchema | undefined;
    if (!existing || existing.type !== 'object') at.properties[part] = newObject();
    at = at.properties[part] as ObjectSchema;
  }
  return at;
}

/**
 * Adds the components' fields to `target`, the object at path `at` of the submission; read-only fields'
 * paths go to `readonly` (undefined inside a dynamic list, whose rows are written whole).
 */
function addComponents(target: ObjectSchema, components: FormComponent[] | undefined, readonly: string[][] | undefined, at: string[] = []): void {
  for (const c of components ?? []) {
    if (!c || typeof c !== 'object') continue;
    if ((c.type === 'group' || c.type === 'dynamiclist') && Array.isArray(c.components)) {
      if (c.type === 'dynamiclist' && c.path) {
        const parts = c.path.split('.');
        const parent = objectAt(target, parts.slice(0, -1));
        const item = newObject();
        addComponents(item, c.components, undefined);
        parent.properties[parts[parts.length - 1]] = { type: 'array', items: item };
      } else {
        const path = c.path ? c.path.split('.') : [];
        addComponents(objectAt(target, path), c.components, readonly, [...at, ...path]);
      }
      continue;
    }
    if (!c.key || c.disabled) continue;
    const schema = fieldSchema(c);
    if (!schema) continue;
    const parts = c.key.split('.');
    const leaf = parts[parts.length - 1];
    const parent = objectAt(target, parts.slice(0, -1));
    if (c.readonly && readonly) {
      // shown with the task's data and submitted back by form-js; never written
      parent.properties[leaf] = {};
      readonly.push([...at, ...parts]);
      continue;
    }
    if (c.validate?.required) {
      parent.properties[leaf] = schema;
      // a required field makes every object on its path required too
      let at = target;
      for (const part of parts) {
        if (!at.required.includes(part)) at.required.push(part);
        at = at.properties[part] as ObjectSchema;
      }
    } else {
      parent.properties[leaf] = { anyOf: [schema, { type: 'null' }] };
    }
  }
}

/** The JSON Schema of a form's submission, and the paths of its read-only fields. */
export function formToSchema(form: unknown): { schema: Schema; readonly: string[][] } {
  const root = newObject();
  const readonly: string[][] = [];
  addComponents(root, (form as { components?: FormComponent[] } | null)?.components, readonly);
  return { schema: root as unknown as Schema, readonly };
}

export interface FormValidator {
  validate: ValidateFunction;
  /** Paths of read-only fields: accepted in a submission, never written. */
  readonly: string[][];
}

/** A valid submission without its read-only fields. */
export function withoutReadonly(variables: Record<string, unknown>, readonly: string[][]): Record<string, unknown> {
  if (!readonly.length) return variables;
  const copy = structuredClone(variables);
  for (const path of readonly) {
    let at: unknown = copy;
    for (const part of path.slice(0, -1)) at = at && typeof at === 'object' ? (at as Record<string, unknown>)[part] : undefined;
    if (at && typeof at === 'object') delete (at as Record<string, unknown>)[path[path.length - 1]];
  }
  return copy;
}

const cache = new Map<string, FormValidator>();

/** A validator of a form's submission, compiled once per form content. */
export function formValidator(formJson: string, form: unknown): FormValidator {
  let entry = cache.get(formJson);
  if (!entry) {
    const { schema, readonly } = formToSchema(form);
    try {
      entry = { validate: compileBodySchema(schema), readonly };
    } catch (err) {
      // e.g. a pattern that is no valid regular expression: the form is broken, not the submission
      throw new Error(`form cannot be used for validation: ${(err as Error).message}`, { cause: err });
    }
    if (cache.size > 500) cache.clear();
    cache.set(formJson, entry);
  }
  return entry;
}
