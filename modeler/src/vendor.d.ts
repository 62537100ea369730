// Declarations for the packages the web app uses that ship no types: only what it calls of them, so
// the app compiles with noImplicitAny. The root tsconfig lists this file too: test/itsm/shippedLint.test.ts
// imports src/lint.ts.

declare module 'bpmnlint' {
  /** One finding of a rule; `rule-error` when the rule itself threw. */
  export interface LintReport {
    id: string;
    message: string;
    category: 'error' | 'warn' | 'info' | 'rule-error';
  }
  export class Linter {
    /** A rule's setting: its category, or its category and the config its factory is called with. */
    constructor(options: { config: { rules: Record<string, string | [string, Record<string, unknown>]> }; resolver: unknown });
    /** Findings by rule name. */
    lint(definitions: unknown): Promise<Record<string, LintReport[]>>;
  }
}

declare module 'bpmnlint/lib/resolver/static-resolver' {
  /** Resolves rules and configs from a map of `rule:<plugin>/<name>` to rule factories. */
  export default class StaticResolver {
    constructor(cache: Record<string, unknown>);
  }
}

declare module 'bpmnlint/rules/*' {
  /** A bpmnlint rule factory. */
  const rule: () => { check(node: unknown, reporter: { report(id: string, message: string): void }): void };
  export default rule;
}

declare module 'bpmnlint-plugin-camunda-compat' {
  /** The plugin's index: a rule set per Camunda version (`camunda-cloud-8-8`), each rule's category and config. */
  const plugin: { configs: Record<string, { rules: Record<string, string | [string, Record<string, unknown>]> } | undefined> };
  export default plugin;
}

declare module 'bpmnlint-plugin-camunda-compat/rules/camunda-cloud/*' {
  /** A rule factory of Camunda's plugin; its config names the Camunda version (`{ version: '8.8' }`). */
  const rule: (config?: { version?: string }) => { check(node: unknown, reporter: { report(id: string, message: string): void }): void };
  export default rule;
}

declare module 'bpmn-js-properties-panel' {
  import type { ModuleDeclaration } from 'didi';
  export const BpmnPropertiesPanelModule: ModuleDeclaration;
  export const BpmnPropertiesProviderModule: ModuleDeclaration;
  export const ZeebePropertiesProviderModule: ModuleDeclaration;
}

declare module 'camunda-bpmn-js-behaviors/lib/camunda-cloud' {
  import type { ModuleDeclaration } from 'didi';
  const behaviors: ModuleDeclaration;
  export default behaviors;
}

declare module 'bpmn-js-differ' {
  /** The differences between two bpmn:Definitions, by element id (bpmn-js-differ's README). */
  export function diff(
    oldDefinitions: unknown,
    newDefinitions: unknown,
  ): {
    _added: Record<string, any>;
    _removed: Record<string, any>;
    _changed: Record<string, { model: any; attrs: Record<string, { oldValue: unknown; newValue: unknown }> }>;
    _layoutChanged: Record<string, any>;
  };
}
