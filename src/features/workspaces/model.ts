export interface OrganizationRecord {
  id: number;
  name: string;
  createdAt: Date;
}

/** An organization with the role of one of its members. */
export interface MembershipRecord extends OrganizationRecord {
  role: string;
}

export interface WorkspaceRecord {
  id: number;
  organizationId: number;
  organizationName: string;
  name: string;
  createdAt: Date;
  /** The lowest role that may take values to a key of its own, or OFF (rules/permissions.ts). */
  directDelivery: string;
}

export interface ParticipantRecord {
  workspaceId: number;
  userId: string;
  userName: string;
  role: string;
  createdAt: Date;
}

/** A participant's role in a workspace and the workspace's credentials version, read with it. */
export interface WorkspaceAccessRecord {
  role: string;
  version: number;
  /** The workspace's direct-delivery level, read with the role. */
  directDelivery: string;
}
