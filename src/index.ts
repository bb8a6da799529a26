export { defineConfig } from './config/schema.ts';
export type { Config, ConfigInput } from './config/schema.ts';
export type { RenderOptions } from './model/render-options.ts';
export { defineFunction } from './function/define.ts';
export type { FunctionDefinition, FunctionEnv } from './function/define.ts';
