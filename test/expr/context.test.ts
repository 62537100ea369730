import { layered } from '../../engine/expr/context';
import { evaluateExpression } from '../../engine/expr/feel';

test('later layers win, as a spread: variables, then extra, then functions', () => {
  const now = () => 'the command time';
  const ctx = layered({ a: 1, now: 'a variable', b: 2 }, { b: 3 }, undefined, { now });
  expect(ctx).toEqual({ a: 1, now, b: 3 });
  expect(Object.keys(ctx)).toEqual(['a', 'now', 'b']);
  expect(evaluateExpression('=a + b', ctx)).toBe(4);
});

test('a variable named __proto__ stays a variable and never becomes the prototype', () => {
  const hostile = JSON.parse('{"__proto__": {"isAdmin": true}, "x": 1}') as Record<string, unknown>;
  const ctx = layered(hostile, { y: 2 });
  expect(Object.getPrototypeOf(ctx)).toBe(Object.prototype);
  expect(Object.prototype.hasOwnProperty.call(ctx, '__proto__')).toBe(true);
  expect((ctx as { isAdmin?: boolean }).isAdmin).toBeUndefined();
  expect(ctx).toEqual({ ...hostile, y: 2 });
});

test('the layers are not changed', () => {
  const vars = { a: 1 };
  layered(vars, { a: 2, b: 3 });
  expect(vars).toEqual({ a: 1 });
});
