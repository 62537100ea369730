/**
 * A task's form (form-js JSON, deployed as `*.form`) turned into a JSON Schema for the variables a
 * completion submits:
 *   textfield, textarea, datetime, password -> string   number -> number   checkbox -> boolean
 *   select, radio -> enum of values[].value   checklist, taglist -> array of those values
 *   validate.required -> required (and not null / not empty); validate.min/max/minLength/maxLength/pattern,
 *   validate.validationType email -> format email
 *   group / dynamiclist with a `path` nest their components under it (an object / an array of objects).
 * Keys with dots (`address.city`) nest too. Fields the form does not know are allowed (a completion may
 * set other variables); a field left empty may be null unless it is required.
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
  additionalProperties: true;
}

const newObject = (): ObjectSchema => ({ type: 'object', properties: {}, required: [], additionalProperties: true });

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
      return undefined; // text, image, button, separator, spacer, html... carry no value
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

function addComponents(target: ObjectSchema, components: FormComponent[] | undefined): void {
  for (const c of components ?? []) {
    if (!c || typeof c !== 'object') continue;
    if ((c.type === 'group' || c.type === 'dynamiclist') && Array.isArray(c.components)) {
      if (c.type === 'dynamiclist' && c.path) {
        const parts = c.path.split('.');
        const parent = objectAt(target, parts.slice(0, -1));
        const item = newObject();
        addComponents(item, c.components);
        parent.properties[parts[parts.length - 1]] = { type: 'array', items: item };
      } else {
        addComponents(c.path ? objectAt(target, c.path.split('.')) : target, c.components);
      }
      continue;
    }
    if (!c.key || c.disabled || c.readonly) continue;
    const schema = fieldSchema(c);
    if (!schema) continue;
    const parts = c.key.split('.');
    const leaf = parts[parts.length - 1];
    const parent = objectAt(target, parts.slice(0, -1));
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

/** The JSON Schema of a form's submission. */
export function formToSchema(form: unknown): Schema {
  const root = newObject();
  addComponents(root, (form as { components?: FormComponent[] } | null)?.components);
  return root as unknown as Schema;
}

const cache = new Map<string, ValidateFunction>();

/** A validator of a form's submission, compiled once per form content. */
export function formValidator(formJson: string, form: unknown): ValidateFunction {
  let fn = cache.get(formJson);
  if (!fn) {
    try {
      fn = compileBodySchema(formToSchema(form));
    } catch (err) {
      // e.g. a pattern that is no valid regular expression: the form is broken, not the submission
      throw new Error(`form cannot be used for validation: ${(err as Error).message}`);
    }
    if (cache.size > 500) cache.clear();
    cache.set(formJson, fn);
  }
  return fn;
}
