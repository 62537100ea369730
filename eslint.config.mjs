// ESLint (flat config): typescript-eslint's recommended rules, and the layer rule of
// docs/architecture.md ("The layers"): each layer imports only what lies below it. `npm run lint`.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

/** A relative import of a folder `name` reached by going up (`../name`, `../../name/x`). */
const up = (names) => `^(\\.\\./)+(${names.join('|')})(/|$)`;

/** The rule that keeps one layer off others: `regex` matches the forbidden import paths. */
const layer = (files, regex, message, allowTypeImports = false) => ({
  files,
  rules: { '@typescript-eslint/no-restricted-imports': ['error', { patterns: [{ regex, message, allowTypeImports }] }] },
});

export default tseslint.config(
  { ignores: ['node_modules/', 'dist/', 'modeler/dist/', 'coverage/', 'data/', '.tmp/', 'test-output/', '.stryker-tmp/', 'reports/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { ecmaVersion: 2022, sourceType: 'module' },
    linterOptions: { reportUnusedDisableDirectives: 'error' },
    rules: {
      // `_`-prefixed names say "deliberately unused" (an interface's argument, a skipped tuple element).
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }],
    },
  },
  {
    // bpmn-js services, bpmn-engine and objects inside page.evaluate have no types to name; the engine
    // and the API have no `any` and keep none.
    files: ['modeler/**', 'test/**', 'bench/**'],
    rules: { '@typescript-eslint/no-explicit-any': 'off' },
  },
  { files: ['**/*.js', '**/*.cjs'], languageOptions: { sourceType: 'commonjs', globals: { module: 'writable', require: 'readonly', __dirname: 'readonly' } } },

  // ---- the layers ---------------------------------------------------------------------------------
  layer(['api/**/*.ts'], '^(\\.\\./)+engine/(?!index$).+', 'the API reaches the engine only through engine/index.ts (docs/architecture.md, "The layers")'),
  layer(['engine/compile/**/*.ts'], up(['runtime', 'store', 'queue']), 'compiling is pure: engine/compile imports no runtime, store or queue code'),
  layer(['engine/store/**/*.ts'], up(['runtime', 'compile']), 'the store keeps rows: engine/store imports no runtime or compile code'),
  layer(['modeler/**/*.ts', 'modeler/**/*.mts'], up(['engine', 'api']), 'the web app talks HTTP: it imports engine and API code only as types (import type)', true),
);
