import { createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { mkdirSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Config } from '../config';
import { writeExclusive } from '../shared/exclusive-file';
import { keyIdOf, signTicketCode, type TicketClaims } from './ticket-codes';

export interface TicketKeys {
  /** The key new codes are signed with. */
  signing: { kid: string; privateKey: KeyObject };
  /** Every public key a code may be signed with, by key id: the current one and the retired ones. */
  verifying: ReadonlyMap<string, KeyObject>;
}

const SIGNING_FILE = 'ticket-signing-key.pem';
const PUBLIC_SUFFIX = '.ticket-public-key.pem';

/**
 * The platform's ticket keys. The signing key comes from configuration (TICKET_SIGNING_KEY, a PKCS#8
 * PEM) or from the keys directory, where it is generated on first start; every public key in that
 * directory (`<kid>.ticket-public-key.pem`) and in TICKET_PUBLIC_KEYS is accepted, so a key can be
 * rotated (move the signing key away, restart) without making issued codes invalid. Processes
 * starting together agree on one generated key: it is created with an exclusive write.
 */
export function loadTicketKeys(options: { dir: string; signingKeyPem?: string | undefined; extraPublicKeysPem?: string | undefined }): TicketKeys {
  mkdirSync(options.dir, { recursive: true, mode: 0o700 });
  const privateKey = options.signingKeyPem ? createPrivateKey(options.signingKeyPem) : readOrCreateSigningKey(options.dir);
  if (privateKey.asymmetricKeyType !== 'ed25519') throw new Error('the ticket signing key must be an Ed25519 key');
  const publicKey = createPublicKey(privateKey);
  const kid = keyIdOf(publicKey);
  writeExclusive(join(options.dir, `${kid}${PUBLIC_SUFFIX}`), publicKey.export({ type: 'spki', format: 'pem' }).toString());
  const verifying = new Map<string, KeyObject>([[kid, publicKey]]);
  for (const key of [...publicKeysIn(options.dir), ...publicKeysFromPem(options.extraPublicKeysPem)]) verifying.set(keyIdOf(key), key);
  return { signing: { kid, privateKey }, verifying };
}

/** Public keys only, as an offline scanner has them. */
export function loadPublicTicketKeys(options: { dir?: string | undefined; publicKeysPem?: string | undefined }): Map<string, KeyObject> {
  const keys = [...(options.dir ? publicKeysIn(options.dir) : []), ...publicKeysFromPem(options.publicKeysPem)];
  return new Map(keys.map((key) => [keyIdOf(key), key]));
}

/** A fresh key pair in memory, for tests and one-off tools. */
export function generateTicketKeys(): TicketKeys {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  const kid = keyIdOf(publicKey);
  return { signing: { kid, privateKey }, verifying: new Map([[kid, publicKey]]) };
}

function readOrCreateSigningKey(dir: string): KeyObject {
  const file = join(dir, SIGNING_FILE);
  const { privateKey } = generateKeyPairSync('ed25519');
  writeExclusive(file, privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(), 0o600);
  return createPrivateKey(readFileSync(file, 'utf8'));
}

function publicKeysIn(dir: string): KeyObject[] {
  let files: string[];
  try {
    files = readdirSync(dir);
  } catch {
    return [];
  }
  return files.filter((f) => f.endsWith(PUBLIC_SUFFIX)).map((f) => createPublicKey(readFileSync(join(dir, f), 'utf8')));
}

/** One or more PEM public keys concatenated (an environment variable may hold several). */
function publicKeysFromPem(pems: string | undefined): KeyObject[] {
  if (!pems) return [];
  const blocks = pems.match(/-----BEGIN PUBLIC KEY-----[\s\S]+?-----END PUBLIC KEY-----/g) ?? [];
  return blocks.map((pem) => createPublicKey(pem));
}

/** Signs ticket claims with the current signing key. */
export function ticketSigner(keys: TicketKeys): (claims: Omit<TicketClaims, 'kid'>) => string {
  return (claims) => signTicketCode(claims, keys.signing);
}

/** The keys of a process, from its configuration. */
export function ticketKeysFromConfig(config: Pick<Config, 'TICKET_KEYS_DIR' | 'TICKET_SIGNING_KEY' | 'TICKET_PUBLIC_KEYS'>): TicketKeys {
  return loadTicketKeys({ dir: config.TICKET_KEYS_DIR, signingKeyPem: config.TICKET_SIGNING_KEY, extraPublicKeysPem: config.TICKET_PUBLIC_KEYS });
}
