// @ts-check
/** An error the client explains in one line (what is wrong and what to do), exiting with `exitCode`. */
export class ClientError extends Error {
  /** @param {string} message @param {number} [exitCode] */
  constructor(message, exitCode = 1) {
    super(message);
    this.exitCode = exitCode;
  }
}
