import { pino, type Logger } from 'pino';

/**
 * JSON logs; credentials and tokens are redacted by the logger itself. Without a
 * destination, lines go to stdout asynchronously (a synchronous write per line
 * was a quarter of the CPU under load); call `flushLogs` before exiting.
 */
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
    (destination as pino.DestinationStream | undefined) ?? pino.destination({ dest: 1, sync: false }),
  );
}

/** Writes out the log lines still buffered (before process.exit). */
export function flushLogs(logger: Logger): Promise<void> {
  return new Promise((resolve) => logger.flush(() => resolve()));
}
