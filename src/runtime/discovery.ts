import { Bonjour } from 'bonjour-service';

export const SERVICE_TYPE = 'networknodes'; // advertised as _networknodes._tcp

export interface Advertised {
  stop(): Promise<void>;
}

export interface FoundCoordinator {
  name: string;
  url: string;
  addresses: string[];
}

const isLoopback = (host: string) => host === 'localhost' || host.startsWith('127.') || host === '::1';

/**
 * Advertises the coordinator over mDNS/DNS-SD on the interface it serves on. A coordinator bound to
 * loopback is not reachable from the LAN, so it is not advertised at all.
 */
export function advertise(name: string, host: string, port: number, version: string): Advertised | undefined {
  if (isLoopback(host)) return undefined;
  // multicast-dns options ride along in the constructor's first argument.
  const mdnsOptions = host === '0.0.0.0' || host === '::' ? {} : { interface: host };
  const bonjour = new Bonjour(mdnsOptions as object);
  bonjour.publish({ name: `NetworkNodes ${name}`, type: SERVICE_TYPE, port, txt: { version, cluster: name } });
  return { stop: () => new Promise<void>((resolve) => bonjour.unpublishAll(() => bonjour.destroy(() => resolve()))) };
}

/** Looks for coordinators on the LAN for `timeoutMs`; resolves with every one that answered. */
export async function discover(timeoutMs = 4000): Promise<FoundCoordinator[]> {
  const bonjour = new Bonjour();
  const found = new Map<string, FoundCoordinator>();
  const browser = bonjour.find({ type: SERVICE_TYPE }, (service) => {
    const v4 = (service.addresses ?? []).filter((a) => !a.includes(':'));
    const address = v4[0] ?? service.referer?.address ?? service.host;
    found.set(service.fqdn, { name: String(service.txt?.cluster ?? service.name), url: `http://${address}:${service.port}`, addresses: service.addresses ?? [] });
  });
  await new Promise((r) => setTimeout(r, timeoutMs));
  browser.stop();
  await new Promise<void>((resolve) => bonjour.destroy(() => resolve()));
  return [...found.values()];
}
