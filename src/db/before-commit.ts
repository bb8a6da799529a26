type Hook = () => Promise<void>;

/** Work each open top-level transaction runs last, just before it commits (keyed by its handle). */
const hooks = new WeakMap<object, Hook[]>();

/**
 * Runs `hook` as the last statements of the transaction `tx` (in the order registered), or at once
 * when `tx` is not a transaction opened by `db.transaction` (client.ts). Returns whether it waits.
 * Why: a lock taken here is taken after every row lock of the transaction, so its holder never waits
 * for another lock and two transactions can never deadlock over it.
 */
export async function beforeCommit(tx: object, hook: Hook): Promise<boolean> {
  const list = hooks.get(tx);
  if (list) {
    list.push(hook);
    return true;
  }
  await hook();
  return false;
}

/** Calls `fn` on the transaction, then its before-commit hooks. */
export async function withBeforeCommit<T, X extends object>(tx: X, fn: (tx: X) => Promise<T>): Promise<T> {
  const list: Hook[] = [];
  hooks.set(tx, list);
  try {
    const result = await fn(tx);
    for (const hook of list) await hook();
    return result;
  } finally {
    hooks.delete(tx);
  }
}
