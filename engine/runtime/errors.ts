/** Errors the engine reports to callers; `code` maps to an HTTP status in the API. */
export type EngineErrorCode = 'NOT_FOUND' | 'CONFLICT' | 'INVALID' | 'FORBIDDEN' | 'DEPLOYMENT';

export class EngineError extends Error {
  constructor(
    readonly code: EngineErrorCode,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
    this.name = 'EngineError';
  }
}

export const notFound = (what: string): EngineError => new EngineError('NOT_FOUND', `${what} not found`);
export const conflict = (message: string): EngineError => new EngineError('CONFLICT', message);
export const invalid = (message: string, details?: unknown): EngineError => new EngineError('INVALID', message, details);
