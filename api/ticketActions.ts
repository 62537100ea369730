/**
 * The ticket actions of an instance (GET /api/process-instances/:id answers them as `messageActions`):
 * the messages the caller may send to it now (engine: messageActions), each with the form-js form its
 * catching element declares, or null when the web app is to build one from `fields`. Sending is POST
 * /api/messages, which checks the same rules again and, for agents, the data against the element's form
 * (messageFormCheck).
 */
import type { Engine, MessageAction, MessageFormCheck } from '../engine';
import { isAllowed, type Principal } from './auth';
import { badRequest } from './errors';
import { formValidator } from './forms';
import { describeError } from './validate';

export type MessageActionView = Omit<MessageAction, 'formId'> & { formId?: string; form: unknown };

/** A deployed form as JSON, or null when it is missing or broken (the web app then builds its own). */
export async function deployedForm(engine: Engine, formId: string | undefined): Promise<unknown> {
  if (!formId) return null;
  const resource = await engine.getResource(`form:${formId}`);
  if (!resource) return null;
  try {
    return JSON.parse(resource.content);
  } catch {
    return null;
  }
}

export async function messageActionsOf(engine: Engine, instanceId: string, me: Principal): Promise<MessageActionView[]> {
  if (!isAllowed(me, 'messages.publish')) return [];
  const actions = await engine.messageActions(instanceId, me);
  return Promise.all(actions.map(async (a) => ({ ...a, form: await deployedForm(engine, a.formId) })));
}

/**
 * An agent's message is held to the form of the element that catches it, as a task completion is to the
 * task's form: a priority change with impact 7 or "high" would otherwise reach the priority decision and
 * leave the ticket in an incident. The engine calls this after the agent's other checks (Messaging):
 * 400 naming what does not match, nothing delivered. Admins and workers publish as integrations do.
 */
export function messageFormCheck(engine: Engine, name: string): MessageFormCheck {
  return async (formId, variables) => {
    const resource = await engine.getResource(`form:${formId}`);
    if (!resource) return;
    const { validate } = formValidator(resource.content, JSON.parse(resource.content));
    if (!validate(variables)) {
      const details = (validate.errors ?? []).map((e) => ({ ...e, in: 'body', instancePath: `/variables${e.instancePath}` }));
      throw badRequest(`variables do not match form ${formId} of message ${name}: ${details.map(describeError).join('; ')}`, details);
    }
  };
}
