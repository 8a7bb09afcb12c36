/**
 * `npm run verify-ticket -- <code> [--keys-dir DIR] [--public-key FILE …]`: checks a ticket's QR code
 * offline, with public keys alone (no network, no database), and says who and what it admits.
 * Public keys come from the keys directory (TICKET_KEYS_DIR, default .data/keys), from --public-key
 * files and from TICKET_PUBLIC_KEYS. Exit code 0 for a genuine code, 1 for a refused one, 2 for misuse.
 * Offline it cannot know whether the ticket was already used, transferred or refunded: the online
 * scan (POST /api/v1/tickets/validate) does.
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { TicketCodeError, verifyTicketCode } from '../src/tickets/ticket-codes';
import { loadPublicTicketKeys } from '../src/tickets/ticket-keys';

function main(): number {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      'keys-dir': { type: 'string', default: process.env.TICKET_KEYS_DIR ?? '.data/keys' },
      'public-key': { type: 'string', multiple: true, default: [] },
    },
  });
  const code = positionals[0];
  if (!code || positionals.length > 1) {
    console.error('usage: npm run verify-ticket -- <code> [--keys-dir DIR] [--public-key FILE ...]');
    return 2;
  }
  const pems = [process.env.TICKET_PUBLIC_KEYS ?? '', ...values['public-key'].map((file) => readFileSync(file, 'utf8'))].join('\n');
  const keys = loadPublicTicketKeys({ dir: values['keys-dir'], publicKeysPem: pems });
  if (keys.size === 0) {
    console.error(`no public key found (looked in ${values['keys-dir']}, --public-key, TICKET_PUBLIC_KEYS)`);
    return 2;
  }
  try {
    const claims = verifyTicketCode(code, keys);
    console.log(
      [
        'VALID: a genuine ticket of this platform',
        `  admits    ${claims.nm} (user ${claims.own})`,
        `  to        ${claims.lbl}`,
        `  event     ${claims.eid}`,
        `  ticket    ${claims.tid}`,
        `  issued    ${new Date(claims.iat * 1000).toISOString()}`,
        `  signed by key ${claims.kid}`,
        '  (offline: whether it was already used, transferred or refunded is known only to the online scan)',
      ].join('\n'),
    );
    return 0;
  } catch (err) {
    if (!(err instanceof TicketCodeError)) throw err;
    console.log(`INVALID: ${err.message}`);
    return 1;
  }
}

process.exitCode = main();
