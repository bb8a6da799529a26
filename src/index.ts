export { defineConfig } from './config/schema.ts';
export type { Config, ConfigInput, RenderOptions } from './config/schema.ts';
export { defineFunction } from './runtime/define-function.ts';
export type { FunctionDefinition, FunctionEnv } from './runtime/define-function.ts';
