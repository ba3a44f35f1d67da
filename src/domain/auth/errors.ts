/** The errors of users and access tokens (the app-wide ones are in src/core/errors.ts). */
import { NotFound } from '../../core/errors.js';

export class AccessTokenNotFound extends NotFound {
  constructor(readonly tokenId: string) {
    super(`No active access token '${tokenId}' of yours`);
  }
}
