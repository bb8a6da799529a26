import { Bonjour } from 'bonjour-service';
import { isLoopbackHost } from '../lib/hosts.ts';

export const SERVICE_TYPE = 'networknodes'; // advertised as _networknodes._tcp

export interface Advertised {
  stop(): Promise<void>;
}

export interface FoundCoordinator {
  name: string;
  url: string;
  addresses: string[];
}

/**
 * Advertises the coordinator over mDNS/DNS-SD on the interface it serves on. A coordinator bound to
 * loopback is not reachable from the LAN, so it is not advertised at all.
 */
export function advertise(name: string, host: string, port: number, version: string, tls: boolean): Advertised | undefined {
  if (isLoopbackHost(host)) return undefined;
  // multicast-dns options ride along in the constructor's first argument.
  const mdnsOptions = host === '0.0.0.0' || host === '::' ? {} : { interface: host };
  const bonjour = new Bonjour(mdnsOptions as object);
  bonjour.publish({ name: `NetworkNodes ${name}`, type: SERVICE_TYPE, port, txt: { version, cluster: name, tls: tls ? '1' : '0' } });
  return { stop: () => new Promise<void>((resolve) => bonjour.unpublishAll(() => bonjour.destroy(() => resolve()))) };
}

/** Looks for coordinators on the LAN (what they say is not trusted: see proveCoordinator) for `timeoutMs`; resolves with every one that answered. */
export async function discover(timeoutMs = 4000): Promise<FoundCoordinator[]> {
  const bonjour = new Bonjour();
  const found = new Map<string, FoundCoordinator>();
  const browser = bonjour.find({ type: SERVICE_TYPE }, (service) => {
    const v4 = (service.addresses ?? []).filter((a) => !a.includes(':'));
    const address = v4[0] ?? service.referer?.address ?? service.host;
    found.set(service.fqdn, { name: String(service.txt?.cluster ?? service.name), url: `${service.txt?.tls === '1' ? 'https' : 'http'}://${address}:${service.port}`, addresses: service.addresses ?? [] });
  });
  await new Promise((r) => setTimeout(r, timeoutMs));
  browser.stop();
  await new Promise<void>((resolve) => bonjour.destroy(() => resolve()));
  return [...found.values()];
}
