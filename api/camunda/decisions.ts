/**
 * Decision evaluation through /v2 (`POST /v2/decision-definitions/evaluation`): the latest deployed
 * version of a DMN decision, by decisionDefinitionId (or the key a deployment answered), evaluated by
 * the engine as a business rule task would. The answer lists every decision evaluated (required ones
 * first, as Camunda does) with its input values and the output values of each matched rule, values as
 * JSON text. ProcessDesk keeps no decision instances: the evaluation's key names this evaluation only,
 * and a decision's version is 1 (a DMN resource is replaced by its next deployment, not versioned).
 */
import { randomUUID } from 'node:crypto';
import { badRequest } from '../errors';
import { idOf, keyOf } from './keys';
import { checkTenant, TENANT } from './processInstances';
import type { V2Context } from './router';

export function decisionRoutes(v2: V2Context): void {
  const { engine } = v2;
  v2.route('evaluateDecision', async (req) => {
    const body = req.body as { decisionDefinitionId?: string; decisionDefinitionKey?: string; variables?: Record<string, unknown>; tenantId?: string };
    checkTenant(body.tenantId);
    let decisionId: string;
    if (body.decisionDefinitionKey !== undefined) decisionId = (await idOf(engine, 'decision', body.decisionDefinitionKey, 'decision definition')).slice('dmn:'.length);
    else if (body.decisionDefinitionId !== undefined) decisionId = body.decisionDefinitionId;
    else throw badRequest('decisionDefinitionId or decisionDefinitionKey is required');
    const { result, evaluated } = await engine.evaluateDecision(decisionId, body.variables ?? {});
    const decisionKey = await keyOf(engine, 'decision', `dmn:${decisionId}`);
    const output = JSON.stringify(result ?? null);
    const evaluation = `evaluation:${randomUUID()}`;
    const decisionEvaluationKey = await keyOf(engine, 'decision', evaluation);
    const evaluatedDecisions = [];
    for (const [i, d] of evaluated.entries())
      evaluatedDecisions.push({
        decisionDefinitionId: d.decisionId,
        decisionDefinitionName: d.decisionName,
        decisionDefinitionVersion: 1,
        decisionDefinitionType: d.kind === 'table' ? 'DECISION_TABLE' : 'LITERAL_EXPRESSION',
        output: JSON.stringify(d.result ?? null),
        tenantId: TENANT,
        matchedRules: d.matchedRules.map((rule) => ({
          ruleId: rule.id,
          ruleIndex: rule.index,
          evaluatedOutputs: rule.outputs.map((o) => ({ outputId: o.id, outputName: o.name, outputValue: JSON.stringify(o.value) })),
        })),
        evaluatedInputs: d.inputs.map((input) => ({ inputId: input.id, inputName: input.name, inputValue: JSON.stringify(input.value) })),
        // the DMN resource's decisions share one key space with the top decision's
        decisionDefinitionKey: d.decisionId === decisionId ? decisionKey : await keyOf(engine, 'decision', `dmn:${d.decisionId}`),
        decisionEvaluationInstanceKey: i === evaluated.length - 1 ? decisionEvaluationKey : await keyOf(engine, 'decision', `${evaluation}:${d.decisionId}`),
      });
    const top = evaluated[evaluated.length - 1];
    return {
      decisionDefinitionId: decisionId,
      decisionDefinitionName: top.decisionName,
      decisionDefinitionVersion: 1,
      decisionRequirementsId: decisionId,
      output,
      // required and non-empty in the client's schema even when nothing failed: the decision evaluated
      failedDecisionDefinitionId: decisionId,
      failureMessage: '',
      tenantId: TENANT,
      decisionDefinitionKey: decisionKey,
      decisionRequirementsKey: decisionKey,
      decisionEvaluationKey,
      evaluatedDecisions,
    };
  });
}
