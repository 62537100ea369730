/**
 * How a plain BullMQ worker raises a BPMN error: `throw new BpmnError('DEPLOYMENT_FAILED', 'why')`.
 * BullMQ keeps only the message of a failed job (`failedReason`), so the code travels in it, as
 * `[bpmn-error:<code>] <message>` with the code URI-encoded; a worker written in another language
 * raises one by failing its job with the same text.
 */
const PATTERN = /^\[bpmn-error:([^\]\s]+)\](?: ([\s\S]*))?$/;

export class BpmnError extends Error {
  readonly code: string;
  readonly errorMessage?: string;

  constructor(code: string, message?: string) {
    super(`[bpmn-error:${encodeURIComponent(code)}]${message ? ` ${message}` : ''}`);
    this.name = 'BpmnError';
    this.code = code;
    this.errorMessage = message || undefined;
  }
}

/** The BPMN error a failed job's reason carries, if it is one. */
export function parseBpmnError(failedReason: string | undefined): { code: string; message?: string } | undefined {
  const match = failedReason ? PATTERN.exec(failedReason) : null;
  if (!match) return undefined;
  try {
    return { code: decodeURIComponent(match[1]), message: match[2] || undefined };
  } catch {
    return undefined;
  }
}
