import { networkInterfaces } from 'node:os';

/** Whether an address to listen on or connect to stays on this machine. */
export const isLoopbackHost = (host: string) => host === 'localhost' || host.startsWith('127.') || host === '::1' || host === '[::1]';

/** This machine's addresses other machines may reach (no loopback). */
export const externalInterfaces = () => Object.values(networkInterfaces()).flat().filter((a): a is NonNullable<typeof a> => !!a && !a.internal);

const PRIVATE_V4 = /^(10\.|192\.168\.|172\.(1[6-9]|2\d|3[01])\.)/;

/**
 * A URL other machines can use: one served on every interface (0.0.0.0, ::) names this machine's
 * LAN address instead (a private IPv4 first), so that a join string made from it works elsewhere.
 */
export function reachableUrl(url: string): string {
  const u = new URL(url);
  if (u.hostname !== '0.0.0.0' && u.hostname !== '[::]') return url;
  const v4 = externalInterfaces().filter((a) => a.family === 'IPv4').map((a) => a.address);
  const address = v4.find((a) => PRIVATE_V4.test(a)) ?? v4[0];
  if (address) u.hostname = address;
  return u.toString().replace(/\/$/, '');
}
