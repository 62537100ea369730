/**
 * Decision evaluation through /v2 (`POST /v2/decision-definitions/evaluation`): the latest deployed
 * version of a DMN decision, by decisionDefinitionId (or the key a deployment answered), evaluated by
 * the engine as a business rule task would. ProcessDesk keeps no decision instances: the evaluation's
 * key names this evaluation only.
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
    const { result, matchedRules } = await engine.evaluateDecision(decisionId, body.variables ?? {});
    const decisionKey = await keyOf(engine, 'decision', `dmn:${decisionId}`);
    const output = JSON.stringify(result ?? null);
    return {
      decisionDefinitionId: decisionId,
      decisionDefinitionName: decisionId,
      decisionDefinitionVersion: 1,
      decisionRequirementsId: decisionId,
      output,
      // required and non-empty in the client's schema even when nothing failed: the decision evaluated
      failedDecisionDefinitionId: decisionId,
      failureMessage: '',
      tenantId: TENANT,
      decisionDefinitionKey: decisionKey,
      decisionRequirementsKey: decisionKey,
      decisionEvaluationKey: await keyOf(engine, 'decision', `evaluation:${randomUUID()}`),
      evaluatedDecisions: [
        {
          decisionDefinitionId: decisionId,
          decisionDefinitionName: decisionId,
          decisionDefinitionVersion: 1,
          decisionDefinitionType: 'DECISION_TABLE',
          output,
          tenantId: TENANT,
          matchedRules: matchedRules.map((ruleId, i) => ({ ruleId, ruleIndex: i + 1, evaluatedOutputs: [] })),
          evaluatedInputs: [],
          decisionDefinitionKey: decisionKey,
        },
      ],
    };
  });
}
