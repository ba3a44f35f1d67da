/** The errors of organizations and workspaces (the app-wide ones are in src/core/errors.ts). */
import { Conflict, NotFound } from '../../core/errors.js';

/** No such organization, or not one the caller belongs to (the two look alike). */
export class OrganizationNotFound extends NotFound {
  constructor(readonly organizationId: string) {
    super(`Organization '${organizationId}' not found`);
  }
}

/** No such workspace, or not one the caller takes part in (the two look alike). */
export class WorkspaceNotFound extends NotFound {
  constructor(readonly workspaceId: string) {
    super(`Workspace '${workspaceId}' not found`);
  }
}

export class UserNotFound extends NotFound {
  constructor(readonly userName: string) {
    super(`User '${userName}' not found`);
  }
}

export class OrganizationNameTaken extends Conflict {
  readonly code = 'NAME_TAKEN';
  constructor(readonly organizationName: string) {
    super(`An organization named '${organizationName}' already exists`);
  }
}

export class WorkspaceNameTaken extends Conflict {
  readonly code = 'NAME_TAKEN';
  constructor(readonly workspaceName: string) {
    super(`The organization has a workspace named '${workspaceName}' already`);
  }
}

/** The user takes part in the workspace already (change their role instead). */
export class ParticipantExists extends Conflict {
  readonly code = 'PARTICIPANT_EXISTS';
  constructor(readonly userName: string) {
    super(`'${userName}' takes part in the workspace already; change their role instead`);
  }
}

export class ParticipantNotFound extends NotFound {
  constructor(readonly userName: string) {
    super(`'${userName}' does not take part in the workspace`);
  }
}

/** A workspace keeps at least one OWNER. */
export class LastOwner extends Conflict {
  readonly code = 'LAST_OWNER';
  constructor(readonly userName: string) {
    super(`'${userName}' is the workspace's last OWNER: make another participant OWNER first`);
  }
}
