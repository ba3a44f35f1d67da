/** The errors of users and access tokens (the app-wide ones are in src/core/errors.ts). */
import { Conflict, Forbidden, NotFound } from '../../core/errors.js';
import { quoted } from '../../core/text.js';

export class AccessTokenNotFound extends NotFound {
  constructor(readonly tokenId: string) {
    super(`No active access token '${tokenId}' of yours`);
  }
}

/** A live token of the user has this name already. */
export class AccessTokenNameTaken extends Conflict {
  readonly code = 'TOKEN_NAME_TAKEN';
  constructor(readonly tokenName: string) {
    super(`You have a token named ${quoted(tokenName)} already: choose another name, or revoke that one`);
  }
}

/** A token may not do more, or live longer, than the token (or session) that makes it. */
export class TokenBeyondItsMaker extends Forbidden {
  override readonly code = 'TOKEN_BEYOND_ITS_MAKER';
}

/** A user who is the only owner of organizations is not removed: their organizations would have no owner. */
export class UserOwnsOrganizations extends Conflict {
  readonly code = 'USER_OWNS_ORGANIZATIONS';
  constructor(readonly organizations: string[]) {
    super(
      `The user is the only owner of ${organizations
        .slice(0, 5)
        .map((o) => quoted(o))
        .join(', ')}: add another owner first`,
    );
  }
}
