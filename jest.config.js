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
  // Camunda's lint rules (the modeler's lint.ts) and the ESM-only packages they use; the plugin itself
  // is listed so that the packages in its own node_modules are transpiled too
  'bpmnlint-plugin-camunda-compat',
  '@bpmn-io/moddle-utils',
  '@bpmn-io/feel-analyzer',
  '@bpmn-io/lezer-feel',
  '@bpmn-io/semver-compat',
  '@camunda/feel-builtins',
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
