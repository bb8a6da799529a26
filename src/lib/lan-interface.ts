import { isIP } from 'node:net';
import { externalInterfaces } from './hosts.ts';

export interface LanInterface {
  address: string;
  mac: string;
  /** The IPv4 broadcast address of its subnet: where a magic packet for this machine goes. */
  broadcast: string;
}

const toInt = (ip: string) => ip.split('.').reduce((n, octet) => ((n << 8) | Number(octet)) >>> 0, 0);
const toIp = (n: number) => [24, 16, 8, 0].map((s) => (n >>> s) & 255).join('.');

/**
 * The interface this machine is reached on (a magic packet must name its MAC): the one whose subnet
 * holds `peer` (the coordinator's address), else the one that carries `host` (the address it serves
 * on), else its first IPv4 interface with a real MAC. IPv4 only: Wake-on-LAN is a broadcast.
 */
export function lanInterface(peer?: string, host?: string): LanInterface | undefined {
  const candidates = externalInterfaces()
    .filter((a) => a.family === 'IPv4' && a.mac !== '00:00:00:00:00:00')
    .map((a) => {
      const mask = toInt(a.netmask);
      return { address: a.address, mac: a.mac, mask, broadcast: toIp((toInt(a.address) | ~mask) >>> 0) };
    });
  const onSubnet = peer && isIP(peer) === 4 ? candidates.find((c) => ((toInt(peer) ^ toInt(c.address)) & c.mask) === 0) : undefined;
  const chosen = onSubnet ?? candidates.find((c) => c.address === host) ?? candidates[0];
  return chosen && { address: chosen.address, mac: chosen.mac, broadcast: chosen.broadcast };
}
