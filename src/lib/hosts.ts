/** Whether an address to listen on or connect to stays on this machine. */
export const isLoopbackHost = (host: string) => host === 'localhost' || host.startsWith('127.') || host === '::1' || host === '[::1]';
