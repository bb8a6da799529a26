/** The queue's job keys: one queue job per plan, segment, stitch and function job, found again by key. */
export const planKey = (jobId: string) => `plan:${jobId}`;
export const segmentKey = (segmentId: string) => `segment:${segmentId}`;
export const stitchKey = (sceneId: string) => `stitch:${sceneId}`;
export const functionKey = (jobId: string) => `function:${jobId}`;

/** A queue flag for work that needs LaTeX: planning, and a lead segment rendering before the TeX
 *  cache exists. Nodes without LaTeX forbid it. */
export const NEEDS_LATEX = 'needs-latex';
/** A queue flag for a scout (not the planning scout): a node with more render slots than cores
 *  forbids it, since a scout there takes CPU from the node's own renders; one nobody takes is
 *  dropped when the scene is cut. */
export const SCOUTS = 'scouts';
/** A queue flag that keeps a segment away from a node that failed it. */
export const avoidFlag = (nodeId: string) => `avoid:${nodeId}`;
/** A queue flag for a sliced play's encoder, the play's one serial step: the coordinator forbids it
 *  while another machine alike or faster takes work, since every slice passes through the store on
 *  the coordinator's machine (on the lab, its Postgres and runtime took 8.4 s of CPU while it encoded
 *  a 20-second play, and its encoder took 47-51 s). */
export const ENCODES = 'encodes';
