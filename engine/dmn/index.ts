/** DMN 1.3 decisions: parse (dmn-moddle) and evaluate (FEEL through feelin). Pure, no I/O. */
export * from './model';
export { parseDmn } from './parse';
export { evaluateDecision, type DecisionResult } from './evaluate';
