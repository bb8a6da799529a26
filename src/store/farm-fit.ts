import { and, desc, ne, sql } from 'drizzle-orm';
import type { Tx } from '../db/tx.ts';
import { scenes } from '../db/schema.ts';
import { fitModel, type ModelFit } from '../cutting/model-fit.ts';

/** Scenes the fit reads: the farm's latest renders, any scene's (their plays are what it drew lately). */
const RECENT_SCENES = 20;

/**
 * How this farm draws against the cost model (cutting/model-fit.ts), from the plays its latest
 * renders at this resolution drew, whatever the scene: a new scene is weighed as the farm draws, not
 * as the machine the model's constants were fitted on did. Undefined until those plays can say.
 */
export async function farmFit(db: Tx, jobId: string, width: number, height: number): Promise<ModelFit | undefined> {
  const rows = await db
    .select({ plan: scenes.plan })
    .from(scenes)
    .where(
      and(
        ne(scenes.jobId, jobId),
        sql`(${scenes.plan}->>'width')::int = ${width} and (${scenes.plan}->>'height')::int = ${height}`,
        sql`jsonb_path_exists(${scenes.plan}, '$.plays[*].drawnSeconds')`,
      ),
    )
    .orderBy(desc(scenes.startedAt))
    .limit(RECENT_SCENES);
  return fitModel(rows.flatMap((r) => (r.plan?.plays ?? []).map((play) => ({ play, pixels: width * height }))));
}
