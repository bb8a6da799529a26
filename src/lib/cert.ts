import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createHmac, timingSafeEqual, X509Certificate } from 'node:crypto';
import type { PeerCertificate } from 'node:tls';

export interface Certificate {
  cert: string;
  key: string;
  /** SHA-256 of the certificate, hex pairs joined by ":" (as `openssl x509 -fingerprint -sha256`). */
  fingerprint: string;
  certFile: string;
  keyFile: string;
}

/** A fingerprint in one spelling: upper-case hex, no separators. */
export const normalFingerprint = (fp: string) => fp.replace(/[^0-9a-f]/gi, '').toUpperCase();

export function certFingerprint(pem: string): string {
  return new X509Certificate(pem).fingerprint256;
}

export const sameFingerprint = (a: string, b: string) => normalFingerprint(a) === normalFingerprint(b) && normalFingerprint(a).length === 64;

/**
 * The node's self-signed certificate, made at first start and kept in its home (owner-only): nodes
 * pin its fingerprint, as kubeadm's join pins the cluster CA's hash, so no CA and no hostname is involved.
 */
export async function loadOrCreateCertificate(home: string): Promise<Certificate> {
  const certFile = join(home, 'tls.crt');
  const keyFile = join(home, 'tls.key');
  if (!existsSync(certFile) || !existsSync(keyFile)) {
    const now = new Date();
    // imported here: only a coordinator's first start makes one, and a CLI command should not load it
    const { generate } = await import('selfsigned');
    const pems = await generate([{ name: 'commonName', value: 'NetworkNodes coordinator' }], {
      keyType: 'ec',
      curve: 'P-256',
      notBeforeDate: new Date(now.getTime() - 24 * 3600_000),
      notAfterDate: new Date(now.getTime() + 20 * 365 * 24 * 3600_000),
    });
    // The key first: a certificate without its key would be taken as made.
    writeFileSync(keyFile, pems.private, { mode: 0o600 });
    writeFileSync(certFile, pems.cert, { mode: 0o600 });
  }
  const cert = readFileSync(certFile, 'utf8');
  return { cert, key: readFileSync(keyFile, 'utf8'), fingerprint: certFingerprint(cert), certFile, keyFile };
}

/**
 * TLS options that accept exactly the certificate `pem`: it is its own trust anchor, and the
 * host name is not checked (a LAN address is not in a self-signed certificate) but the fingerprint is.
 */
export function pinnedTlsOptions(pem: string): { ca: string; checkServerIdentity: (host: string, cert: PeerCertificate) => Error | undefined } {
  const fingerprint = certFingerprint(pem);
  return {
    ca: pem,
    checkServerIdentity: (_host, cert) => (sameFingerprint(cert.fingerprint256, fingerprint) ? undefined : new Error(`certificate ${cert.fingerprint256} is not the pinned ${fingerprint}`)),
  };
}

/** A nonce is 32 random bytes in hex: one fixed length, so nonce and fingerprint cannot be shifted into each other. */
export const NONCE_PATTERN = /^[0-9a-f]{64}$/;

/**
 * What a coordinator answers to a nonce: an HMAC keyed by the cluster token over the nonce and the
 * fingerprint of the certificate it serves ("" over plain HTTP). A relay with its own certificate
 * gets an answer bound to the real one, which the joining node, seeing the relay's, refuses.
 */
export function clusterProof(token: string, nonce: string, fingerprint: string): string {
  return createHmac('sha256', token).update(`networknodes-proof\0${nonce}\0${normalFingerprint(fingerprint)}`).digest('hex');
}

export function proofMatches(token: string, nonce: string, fingerprint: string, proof: string): boolean {
  const want = Buffer.from(clusterProof(token, nonce, fingerprint), 'hex');
  const got = Buffer.from(proof, 'hex');
  return got.length === want.length && timingSafeEqual(got, want);
}
