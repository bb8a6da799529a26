/** Writes the render options' JSON Schema where the Python driver reads it (test/driver-schema.test.ts
 *  fails while the file and the zod schema differ): `npx tsx scripts/driver-schema.ts`. */
import { writeFileSync } from 'node:fs';
import { DRIVER_SCHEMA_FILE, driverSchemaText } from '../src/driver/options-schema.ts';

writeFileSync(DRIVER_SCHEMA_FILE, driverSchemaText());
process.stdout.write(`wrote ${DRIVER_SCHEMA_FILE}\n`);
