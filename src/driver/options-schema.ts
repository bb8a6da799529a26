import { join } from 'node:path';
import { renderOptionsJsonSchema } from '../model/render-options.ts';
import { PROJECT_ROOT } from './python.ts';

/** The render options' definition as the Python driver reads it (driver/nn_driver/protocol.py). */
export const DRIVER_SCHEMA_FILE = join(PROJECT_ROOT, 'driver', 'nn_driver', 'render_options.schema.json');

export const driverSchemaText = () => `${JSON.stringify(renderOptionsJsonSchema(), null, 2)}\n`;
