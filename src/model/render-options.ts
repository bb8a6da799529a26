import { z } from 'zod';

export const OUTPUT_FORMATS = ['mp4', 'mov', 'webm', 'gif', 'png', 'png-sequence'] as const;

/** Render options a Manim user knows from `manim render`; an unknown option is refused. */
export const renderOptionsFields = z.strictObject({
  quality: z.enum(['l', 'm', 'h', 'p', 'k']).default('h'),
  /** As in manim 0.22: `png` is the scene's last frame only, `png-sequence` every frame. */
  format: z.enum(OUTPUT_FORMATS).default('mp4'),
  fps: z.number().positive().max(240).optional(),
  resolution: z.tuple([z.number().int().positive().max(7680), z.number().int().positive().max(4320)]).optional(),
  transparent: z.boolean().default(false),
  seed: z.number().int().min(0).max(2 ** 32 - 1).optional(), // numpy's seeds are 32-bit
  saveSections: z.boolean().default(false),
  /** The farm's play cache (issue 12): `use` serves unchanged plays from it and fills it, `off`
   *  renders every play and stores none (manim's --disable_caching), `flush` empties this scene's
   *  entries first (manim's --flush_cache). Absent: `use`. */
  cache: z.enum(['use', 'off', 'flush']).optional(),
  /** manim's `-n A,B`: only plays A..B (both ends included; [A]: from A to the end). */
  plays: z
    .union([z.tuple([z.number().int().min(0)]), z.tuple([z.number().int().min(0), z.number().int().min(0)])])
    .refine((p) => p.length === 1 || p[0] <= p[1]!, 'the first play must not come after the last')
    .optional(),
});
type Fields = z.infer<typeof renderOptionsFields>;

/** Combinations Manim cannot render. The API refuses them at submission and the Python driver
 *  refuses them again, both from this list (the driver reads it from render_options.schema.json). */
export const OPTION_CONFLICTS: { field: keyof Fields; when: Partial<Fields>; refused: Partial<Fields>; message: string }[] = [
  { field: 'format', when: { transparent: true }, refused: { format: 'mp4' }, message: 'mp4 has no alpha channel: use format mov or webm (or png) for transparent output' },
  { field: 'saveSections', when: { saveSections: true }, refused: { format: 'png-sequence' }, message: 'saveSections needs a video format, not png-sequence' },
];

const matches = (options: Partial<Fields>, values: Partial<Fields>) =>
  Object.entries(values).every(([k, v]) => options[k as keyof Fields] === v);

export const renderOptionsSchema = renderOptionsFields.superRefine((options, ctx) => {
  for (const c of OPTION_CONFLICTS) {
    if (matches(options, c.when) && matches(options, c.refused)) ctx.addIssue({ code: 'custom', path: [c.field], message: c.message });
  }
});
export type RenderOptions = z.infer<typeof renderOptionsSchema>;
export type RenderOptionsInput = z.input<typeof renderOptionsSchema>;

const constants = (values: Partial<Fields>) => ({
  properties: Object.fromEntries(Object.entries(values).map(([k, v]) => [k, { const: v }])),
  required: Object.keys(values),
});

/** The render options as JSON Schema (draft 2020-12), conflicts included, for the Python driver. */
export function renderOptionsJsonSchema() {
  return {
    ...z.toJSONSchema(renderOptionsFields, { io: 'input' }),
    allOf: OPTION_CONFLICTS.map((c) => ({
      title: c.field,
      if: constants(c.when),
      then: { not: constants(c.refused), description: c.message },
    })),
  };
}
