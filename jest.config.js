/** Jest runs TypeScript through swc (type checking is `npm run typecheck`), and also transpiles the
 * ESM-only bpmn-io / feelin packages to CommonJS so the tests load them like Node does. */
const esmPackages = [
  'bpmn-moddle',
  'moddle',
  'moddle-xml',
  'min-dash',
  'saxen',
  'feelin',
  '@lezer',
  'lezer-feel',
  'temporal-polyfill',
  'temporal-spec',
  'temporal-utils',
  'dmn-moddle',
  'zeebe-bpmn-moddle',
  'ids',
];
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test', '<rootDir>/engine', '<rootDir>/api'],
  testMatch: ['**/*.test.ts'],
  transform: { '^.+\\.(t|j|mj)s$': ['@swc/jest', { jsc: { target: 'es2022' }, module: { type: 'commonjs' } }] },
  transformIgnorePatterns: [`/node_modules/(?!(${esmPackages.join('|')})/)`],
  testTimeout: 30000,
  watchman: false,
  // A test that times out can leave a Redis client or a child process behind; the run must still end
  // (and fail) instead of waiting for it until CI gives up.
  forceExit: true,
};
