import { pino, type Logger } from 'pino';

/** JSON logs; credentials and tokens are redacted by the logger itself. */
export function createLogger(level: string, destination?: NodeJS.WritableStream): Logger {
  return pino(
    {
      level,
      redact: {
        paths: [
          'req.headers.authorization',
          'req.headers.cookie',
          'headers.authorization',
          '*.keys',
          '*.secretKey',
          '*.password',
          '*.token',
          '*.privateKey',
          '*.secret',
        ],
        censor: '[redacted]',
      },
    },
    destination as pino.DestinationStream | undefined,
  );
}
