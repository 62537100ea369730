/** ProcessDesk engine: the library API. */
export { Engine, toInstanceView } from './runtime/engine';
export type { EngineOptions, InstanceView, StartInstanceRequest } from './runtime/engine';
export { EngineError } from './runtime/errors';
export type { DeployResource, DeploymentResult } from './runtime/deploy';
export { DeploymentError } from './bpmn/model';
export type { ProcessModel, ModelProblem } from './bpmn/model';
export { verifyChain } from './runtime/history';
export type * from './store/types';
