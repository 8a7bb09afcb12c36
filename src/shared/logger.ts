import pino, { type Logger } from 'pino';

/**
 * JSON logs, one line per event, for every process. Secrets never reach them: bearer tokens, webhook
 * signatures, cookies and passwords are redacted wherever they appear, and payment method ids too
 * (with a real provider they are card tokens), and Temporal task tokens (one completes its activity).
 */
export function createLogger(service: string, level: string, destination?: pino.DestinationStream): Logger {
  return pino({
    level: level === 'silent' ? 'silent' : level,
    base: { service },
    timestamp: pino.stdTimeFunctions.isoTime,
    redact: {
      paths: [
        'req.headers.authorization',
        'req.headers["x-signature"]',
        'req.headers.cookie',
        'res.headers["set-cookie"]',
        '*.password',
        '*.token',
        '*.payment_method_id',
        '*.paymentMethodId',
        'taskToken',
        '*.taskToken',
      ],
      censor: '[redacted]',
    },
  }, destination);
}
