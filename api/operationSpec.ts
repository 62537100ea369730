/** What one operation of the API is (api/operations.ts, api/deskOperations.ts list them). */
import type { Permission } from './auth';
import type { RequestSchemaName, ResponseSchemaName } from './schemas';

export type Method = 'get' | 'post' | 'put' | 'delete';

export interface Operation {
  operationId: string;
  method: Method;
  /** Express path (`:param`). */
  path: string;
  permission: Permission;
  summary: string;
  tag: string;
  params?: RequestSchemaName;
  query?: RequestSchemaName;
  body?: RequestSchemaName;
  /** Success status and its JSON schema, or a content type for non-JSON answers. */
  success: { status: number; schema?: ResponseSchemaName; contentType?: string; description?: string };
  /** Error statuses this operation may answer besides 401/403 (and 400 when it takes input). */
  errors?: number[];
  /** What a status means for this operation, where it says more than the generic text (the OpenAPI document shows it). */
  errorNotes?: Partial<Record<number, string>>;
}

/** Types an entry of an operations catalog. */
export const op = (o: Operation): Operation => o;
