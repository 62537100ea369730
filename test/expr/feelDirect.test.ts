/**
 * Simple expressions (names, paths, literals, and two of them compared) are answered without feelin
 * (engine/expr/feelParse.ts): every answer given so must be feelin's own, for values of every JSON
 * type, missing names and paths through null included; the rest must be left to feelin.
 */
import { evaluate } from 'feelin';
import { NOT_DIRECT, parsed } from '../../engine/expr/feelParse';
import { evaluateInline } from '../../engine/expr/feel';

const VALUES: unknown[] = [null, 0, 1, 2, 2.5, -3, 10, '', 'a', 'b', 'resolved', true, false, [1, 2], { k: 1 }];
const EXPRESSIONS = [
  'x = y',
  'x != y',
  'x < y',
  'x <= y',
  'x > y',
  'x >= y',
  'x = 2',
  'x != 2',
  'x <= 2',
  'x > 2.5',
  'x = "resolved"',
  'x != "resolved"',
  'x = null',
  'x != null',
  'null = x',
  'x = true',
  'x != false',
  'o.k = 1',
  'o.k < y',
  'missing = null',
  'missing != null',
  'missing = x',
  '2 > 1',
  '"a" = "a"',
];

describe("comparisons answered without feelin give feelin's answer", () => {
  test.each(EXPRESSIONS)('%s', (text) => {
    const { direct } = parsed(`=${text}`);
    expect(direct).toBeDefined();
    let answered = 0;
    for (const x of VALUES) {
      for (const y of VALUES) {
        const variables = { x, y, o: { k: x } };
        const mine = direct!(variables);
        if (mine === NOT_DIRECT) continue;
        answered++;
        expect({ text, x, y, value: mine }).toEqual({ text, x, y, value: evaluate(text, variables).value });
      }
    }
    // the fast path is taken for plain values, not only skipped
    expect(answered).toBeGreaterThan(0);
  });

  test('what stays with feelin: arithmetic, functions, lists, strings ordered, two types compared', () => {
    for (const text of ['x + 1 > 2', 'count(l) = 2', 'x = -1', 'x in [1, 2]', 'a = b = c']) expect(parsed(`=${text}`).direct).toBeUndefined();
    const { direct } = parsed('=x < y');
    expect(direct!({ x: 'a', y: 'b' })).toBe(NOT_DIRECT);
    expect(direct!({ x: 1, y: '1' })).toBe(NOT_DIRECT);
    expect(parsed('=x = y').direct!({ x: 1, y: '1' })).toBe(NOT_DIRECT);
    // and feelin then answers
    expect(evaluateInline('=x < y', { x: 'a', y: 'b' })).toBe(true);
  });
});
