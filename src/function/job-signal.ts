import type { FunctionEnv } from './define.ts';
import { isJobOpen } from '../store/jobs.ts';

/**
 * An abort signal for work on one job: it fires when the node shuts down or when the job is
 * cancelled (or ends) elsewhere, so a cancelled render stops at once instead of finishing for nothing.
 */
export function jobSignal(env: FunctionEnv, jobId: string): { signal: AbortSignal; release(): void } {
  const ac = new AbortController();
  const onShutdown = () => ac.abort(env.signal.reason);
  env.signal.addEventListener('abort', onShutdown, { once: true });
  const onEvent = () => {
    isJobOpen(env.database.db, jobId).then((open) => open || ac.abort(new Error('the job was cancelled')), () => {});
  };
  env.events.on(jobId, onEvent);
  // A cancel that came before this listened (the work's start took a while) counts too.
  onEvent();
  return {
    signal: ac.signal,
    release() {
      env.signal.removeEventListener('abort', onShutdown);
      env.events.off(jobId, onEvent);
    },
  };
}
