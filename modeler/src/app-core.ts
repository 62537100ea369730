export * from './api';
export { errorText } from './dom';
