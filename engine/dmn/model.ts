/**
 * DmnModel: the plain, JSON-serialisable form of a DMN 1.3 document that engine/dmn/parse.ts produces
 * and engine/dmn/evaluate.ts runs. Expressions are FEEL as written in the DMN (no leading `=`).
 */

export type HitPolicy = 'UNIQUE' | 'FIRST' | 'PRIORITY' | 'ANY' | 'COLLECT' | 'RULE ORDER' | 'OUTPUT ORDER';
export type Aggregation = 'SUM' | 'MIN' | 'MAX' | 'COUNT';

export interface DecisionInput {
  id: string;
  label?: string;
  /** FEEL expression giving the input value. */
  expression: string;
}

export interface DecisionOutput {
  id: string;
  /** Name in the result context (tables with several outputs); may be empty for a single output. */
  name: string;
  label?: string;
  /** The output values in priority order (PRIORITY, OUTPUT ORDER), evaluated at parse time. */
  values?: unknown[];
}

export interface DecisionRule {
  id: string;
  /** FEEL unary tests, one per input ('-' or '' matches anything). */
  inputEntries: string[];
  /** FEEL expressions, one per output. */
  outputEntries: string[];
}

export interface DecisionTable {
  kind: 'table';
  hitPolicy: HitPolicy;
  aggregation?: Aggregation;
  inputs: DecisionInput[];
  outputs: DecisionOutput[];
  rules: DecisionRule[];
}

export interface LiteralExpressionDecision {
  kind: 'literal';
  expression: string;
}

export interface Decision {
  id: string;
  name?: string;
  /** Decisions whose results this one reads (information requirements), by id. */
  requires: string[];
  logic: DecisionTable | LiteralExpressionDecision;
}

export interface DmnModel {
  id?: string;
  name?: string;
  decisions: Decision[];
}

export interface DmnProblem {
  decisionId?: string;
  message: string;
}

/** A DMN document that cannot be deployed; `problems` say why. */
export class DmnParseError extends Error {
  constructor(
    message: string,
    readonly problems: DmnProblem[],
  ) {
    super(message);
    this.name = 'DmnParseError';
  }
}

/** A decision that could not be evaluated (no such decision, UNIQUE with several matches, FEEL error...). */
export class DecisionEvaluationError extends Error {
  constructor(
    message: string,
    readonly decisionId: string,
  ) {
    super(message);
    this.name = 'DecisionEvaluationError';
  }
}
