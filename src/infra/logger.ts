import { type Logger, pino } from 'pino';

/**
 * JSON logs; credentials and tokens are redacted by the logger itself. Without a
 * destination, lines go to stdout asynchronously, in writes of 4 KiB or every
 * 200 ms, whichever comes first (a synchronous write per line was a quarter of
 * the CPU under load); call `flushLogs` before exiting.
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
    (destination as pino.DestinationStream | undefined) ??
      pino.destination({ dest: 1, sync: false, minLength: 4096, periodicFlush: 200 } as Parameters<typeof pino.destination>[0]),
  );
}

/** Writes out the log lines still buffered (before process.exit). */
export function flushLogs(logger: Logger): Promise<void> {
  return new Promise((resolve) => logger.flush(() => resolve()));
}
