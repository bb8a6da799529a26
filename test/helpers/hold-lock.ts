/**
 * A node stopped inside a transaction, for tests: connects as a node does (src/db/client.ts), takes
 * an advisory transaction lock, says "held" and waits without end. Run as
 * `node --import tsx test/helpers/hold-lock.ts URL LOCK`.
 */
import { sql } from 'drizzle-orm';
import { connect } from '../../src/db/client.ts';

const [url, lock] = process.argv.slice(2);
const database = connect(url!, 1);
await database.db.transaction(async (tx) => {
  await tx.execute(sql`select pg_advisory_xact_lock(${Number(lock)})`);
  process.stdout.write('held\n');
  await new Promise(() => {});
});
