// bpmnlint ships no types; the modeler compiles with noImplicitAny off, the root project (which imports
// modeler/src/lint.ts in test/itsm/shippedLint.test.ts) declares the modules it uses as untyped.
declare module 'bpmnlint';
declare module 'bpmnlint/*';
