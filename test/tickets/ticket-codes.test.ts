import { mkdtempSync, readdirSync, rmSync, unlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TicketCodeError, signTicketCode, verifyTicketCode, type TicketClaims } from '../../src/tickets/ticket-codes';
import { generateTicketKeys, loadPublicTicketKeys, loadTicketKeys } from '../../src/tickets/ticket-keys';

const claims: Omit<TicketClaims, 'kid'> = {
  tid: '7d3f3a1e-58c6-4a36-9a52-3e0d9e7f2b11',
  eid: '1b6c7a52-0d5e-4e43-8b1e-6b2f1c9d0a44',
  sec: 'a9c1e0f2-3b4d-4c5e-8f60-718293a4b5c6',
  seat: null,
  lbl: 'Lawn, general admission',
  own: '0f1e2d3c-4b5a-4968-8776-655443322110',
  nm: 'Ana',
  iat: 1_790_000_000,
};

function reason(fn: () => unknown): string | undefined {
  try {
    fn();
    return undefined;
  } catch (err) {
    return err instanceof TicketCodeError ? err.reason : 'other error';
  }
}

describe('signed ticket codes', () => {
  const keys = generateTicketKeys();
  const code = signTicketCode(claims, keys.signing);

  test('a code signed with the platform key verifies and says what it admits', () => {
    expect(code.startsWith('TKT2.')).toBe(true);
    expect(verifyTicketCode(code, keys.verifying)).toEqual({ ...claims, kid: keys.signing.kid });
  });

  test('a tampered code (another owner written into the claims) is refused', () => {
    const [prefix, body, signature] = code.split('.');
    const forged = JSON.parse(Buffer.from(body!, 'base64url').toString());
    forged.own = '11111111-2222-4333-8444-555555555555';
    const tampered = `${prefix}.${Buffer.from(JSON.stringify(forged)).toString('base64url')}.${signature}`;
    expect(reason(() => verifyTicketCode(tampered, keys.verifying))).toBe('bad_signature');
    // One character of the signature changed.
    const flipped = code.slice(0, -2) + (code.at(-2) === 'A' ? 'B' : 'A') + code.at(-1);
    expect(reason(() => verifyTicketCode(flipped, keys.verifying))).toBe('bad_signature');
  });

  test('truncated and garbage codes are refused as malformed', () => {
    expect(reason(() => verifyTicketCode(code.slice(0, code.lastIndexOf('.')), keys.verifying))).toBe('malformed');
    expect(reason(() => verifyTicketCode(code.slice(0, -10), keys.verifying))).toBe('bad_signature');
    expect(reason(() => verifyTicketCode('TKT2.not-json.abc', keys.verifying))).toBe('malformed');
    expect(reason(() => verifyTicketCode('hello', keys.verifying))).toBe('malformed');
  });

  test('a code signed by a key the platform does not accept is refused', () => {
    const stranger = generateTicketKeys();
    expect(reason(() => verifyTicketCode(signTicketCode(claims, stranger.signing), keys.verifying))).toBe('unknown_key');
    // A stranger's key given our key id does not help.
    const impostor = signTicketCode(claims, { kid: keys.signing.kid, privateKey: stranger.signing.privateKey });
    expect(reason(() => verifyTicketCode(impostor, keys.verifying))).toBe('bad_signature');
  });
});

describe('ticket keys on disk', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'ticket-keys-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  test('the signing key is generated on first start and the same key is loaded afterwards, by every process', () => {
    const first = loadTicketKeys({ dir });
    const again = loadTicketKeys({ dir });
    expect(again.signing.kid).toBe(first.signing.kid);
    expect(readdirSync(dir).sort()).toEqual([`${first.signing.kid}.ticket-public-key.pem`, 'ticket-signing-key.pem'].sort());
  });

  test('after a key rotation, codes signed with the retired key still verify and new codes use the new key', () => {
    const before = loadTicketKeys({ dir });
    const oldCode = signTicketCode(claims, before.signing);
    unlinkSync(join(dir, 'ticket-signing-key.pem')); // retire the signing key; its public key stays
    const after = loadTicketKeys({ dir });
    expect(after.signing.kid).not.toBe(before.signing.kid);
    expect(verifyTicketCode(oldCode, after.verifying).kid).toBe(before.signing.kid);
    expect(verifyTicketCode(signTicketCode(claims, after.signing), after.verifying).kid).toBe(after.signing.kid);
  });

  test('a scanner with the public keys alone verifies codes, and cannot sign any', () => {
    const platform = loadTicketKeys({ dir });
    const scannerKeys = loadPublicTicketKeys({ dir });
    expect(verifyTicketCode(signTicketCode(claims, platform.signing), scannerKeys).tid).toBe(claims.tid);
    expect([...scannerKeys.values()].every((k) => k.type === 'public')).toBe(true);
  });
});
