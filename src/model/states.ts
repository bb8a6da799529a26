/** The states of what the farm records, and which of them are final. */

export const JOB_STATES = ['queued', 'running', 'succeeded', 'failed', 'cancelled'] as const;
export type JobState = (typeof JOB_STATES)[number];
export const TERMINAL_JOB_STATES: readonly JobState[] = ['succeeded', 'failed', 'cancelled'];

export type SceneState = 'planning' | 'rendering' | 'stitching' | 'succeeded' | 'failed' | 'cancelled';
export const TERMINAL_SCENE_STATES: readonly SceneState[] = ['succeeded', 'failed', 'cancelled'];

export type SegmentState = 'queued' | 'running' | 'done' | 'failed' | 'cancelled';
/** A segment in one of these still has work ahead: it may be claimed, or is being rendered. */
export const OPEN_SEGMENT_STATES: readonly SegmentState[] = ['queued', 'running'];

export type NodeState = 'online' | 'draining' | 'drained' | 'paused' | 'offline';
/** Whether a node's machine runs (awake), sleeps (asleep), or was sent magic packets (waking). */
export type NodePower = 'awake' | 'asleep' | 'waking';
