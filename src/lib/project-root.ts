import { fileURLToPath } from 'node:url';

/** The checkout: the driver, migrations and the functions are found from here. */
export const PROJECT_ROOT = fileURLToPath(new URL('../..', import.meta.url));
