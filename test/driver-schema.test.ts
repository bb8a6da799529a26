import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { DRIVER_SCHEMA_FILE, driverSchemaText } from '../src/driver/options-schema.ts';
import { renderOptionsSchema } from '../src/model/render-options.ts';

describe('render options: one definition', () => {
  it('the Python driver reads the JSON Schema generated from the zod schema (npx tsx scripts/driver-schema.ts)', () => {
    expect(readFileSync(DRIVER_SCHEMA_FILE, 'utf8')).toBe(driverSchemaText());
  });

  it('refuses what Manim cannot render, naming the option', () => {
    const issues = (v: unknown) => renderOptionsSchema.safeParse(v).error?.issues.map((i) => i.path.join('.'));
    expect(issues({ transparent: true, format: 'mp4' })).toEqual(['format']);
    expect(issues({ saveSections: true, format: 'png-sequence' })).toEqual(['saveSections']);
    expect(issues({ transparent: true, format: 'webm', saveSections: true })).toBeUndefined();
  });
});
