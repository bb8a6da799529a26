import type { Sql } from './client.ts';

/** The role render nodes connect as: no superuser, no role or database creation, no DDL. */
export const NODE_ROLE = 'networknodes_node';

/** Schemas whose rows nodes read and write: the farm's tables and graphile-worker's queue. */
const SCHEMAS = ['public', 'graphile_worker'];

/**
 * Creates (or brings up to date) the role render nodes use, with what their work needs and no more:
 * rows of the farm's and the queue's tables, the queue's functions. It is not a member of
 * pg_execute_server_program or pg_read_server_files (no `COPY ... PROGRAM`, no server files), owns
 * nothing and cannot create, alter or drop a table. Run by the coordinator after migrating, as the
 * database's owner, so tables of later migrations are granted too.
 */
export async function ensureNodeRole(sql: Sql, password: string): Promise<void> {
  // ALTER ROLE takes no bind parameters: the password is checked to be a plain token instead.
  if (!/^[A-Za-z0-9_-]{16,}$/.test(password)) throw new Error('the node role password must be 16+ base64url characters');
  await sql.begin(async (tx) => {
    // Two coordinators starting on one database would race on CREATE ROLE.
    await tx`select pg_advisory_xact_lock(hashtext('networknodes node role'))`;
    const [exists] = await tx`select 1 from pg_roles where rolname = ${NODE_ROLE}`;
    if (!exists) await tx.unsafe(`create role ${NODE_ROLE}`);
    await tx.unsafe(`alter role ${NODE_ROLE} with login nosuperuser nocreatedb nocreaterole noreplication nobypassrls password '${password}'`);
    const [{ db }] = (await tx`select current_database() as db`) as unknown as [{ db: string }];
    await tx.unsafe(`grant connect, temporary on database "${db.replace(/"/g, '""')}" to ${NODE_ROLE}`);
    // Postgres 15 and later already keep PUBLIC from creating in `public`; older ones do not.
    await tx.unsafe('revoke create on schema public from public');
    for (const schema of SCHEMAS) {
      await tx.unsafe(`grant usage on schema ${schema} to ${NODE_ROLE}`);
      await tx.unsafe(`grant select, insert, update, delete on all tables in schema ${schema} to ${NODE_ROLE}`);
      await tx.unsafe(`grant usage, select, update on all sequences in schema ${schema} to ${NODE_ROLE}`);
      await tx.unsafe(`grant execute on all functions in schema ${schema} to ${NODE_ROLE}`);
    }
    // graphile-worker keeps its private tables behind row-level security with no policy (so that
    // only their owner reads them); the node role gets a policy rather than BYPASSRLS.
    const guarded = await tx<{ name: string }[]>`select quote_ident(n.nspname) || '.' || quote_ident(c.relname) as name from pg_class c join pg_namespace n on n.oid = c.relnamespace
      where c.relrowsecurity and c.relkind = 'r' and n.nspname = any(${SCHEMAS})`;
    for (const { name } of guarded) {
      await tx.unsafe(`drop policy if exists ${NODE_ROLE} on ${name}`);
      await tx.unsafe(`create policy ${NODE_ROLE} on ${name} for all to ${NODE_ROLE} using (true) with check (true)`);
    }
  });
}

/** The owner's URL with the node role's name and password in it. */
export function nodeRoleUrl(ownerUrl: string, password: string): string {
  const u = new URL(ownerUrl);
  u.username = NODE_ROLE;
  u.password = encodeURIComponent(password);
  return u.toString();
}
