import { isIP } from 'node:net';
import { z } from 'zod';

const MAC = /^[0-9a-f]{2}([:-])[0-9a-f]{2}(\1[0-9a-f]{2}){4}$/i;

/**
 * Wake-on-LAN for this node, and sleep when it has nothing to do. `enabled` (or `join --wakeable`)
 * lets the coordinator wake it with magic packets (UDP port 9) to `mac` at `broadcast` (both
 * found from the interface it reaches the coordinator on when not given). `sleepAfterIdleMinutes`: after that long
 * without work it says it goes to sleep and runs `sleepCommand`. `timeoutSeconds` is read on the
 * coordinator: how long a woken node has to heart-beat before it counts as asleep again.
 */
export const wakeSchema = z
  .strictObject({
    enabled: z.boolean().default(false),
    mac: z.string().regex(MAC, 'a MAC address: six hex pairs, e.g. "3c:7c:3f:1e:52:a0"').optional(),
    broadcast: z.string().refine((a) => isIP(a) === 4, 'an IPv4 broadcast address, e.g. "192.168.1.255"').optional(),
    sleepAfterIdleMinutes: z.number().positive().optional(),
    sleepCommand: z.string().min(1).default('systemctl suspend'),
    timeoutSeconds: z.number().int().min(5).max(3600).default(180),
  })
  .prefault({});
export type WakeConfig = z.infer<typeof wakeSchema>;
