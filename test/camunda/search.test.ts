/**
 * The pieces of Camunda's search semantics that need no server: `$like` (matched without a regular
 * expression, so a pattern of many `*` costs pattern x value steps, not an exponential backtrack).
 */
import { like } from '../../api/camunda/search';

test.each([
  ['v2-order', 'v2-*', true],
  ['v2-order', 'v2-ord?r', true],
  ['v2-order', '*order', true],
  ['v2-order', '*', true],
  ['', '*', true],
  ['', '', true],
  ['v2-order', 'v2-', false],
  ['v2-order', 'V2-*', false],
  ['abcabc', '*b*c', true],
  ['abcabd', '*b*c', false],
  ['a.c', 'a.c', true],
  ['abc', 'a.c', false],
])('%j like %j: %s', (value, pattern, expected) => {
  expect(like(value, pattern)).toBe(expected);
});

test('a hostile pattern against a long value answers at once', () => {
  const value = 'a'.repeat(20_000);
  const pattern = `${'*a'.repeat(200)}b`;
  const t0 = Date.now();
  expect(like(value, pattern)).toBe(false);
  expect(Date.now() - t0).toBeLessThan(2000);
});
