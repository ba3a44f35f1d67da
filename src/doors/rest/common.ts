/** The parameters and answers every REST feature shares: the workspace parameter, empty queries, the error answer. */
import { z } from 'zod';
import { component } from './route.js';

// Any text: the domain decides (a workspace that is not the caller's, or a malformed id, answers 403).
export const workspaceId = z
  .string()
  .optional()
  .meta({
    description:
      'Workspace numeric identifier. Absent: your own credentials. A workspace you take part in: its credentials, as your role allows. ' +
      'Any other workspace, a role that does not allow the operation, or a malformed value answers 403.',
    type: 'integer',
    format: 'int64',
  });

export const booleanParam = (description: string) =>
  z
    .enum(['true', 'false'], { error: 'must be true or false' })
    .transform((v) => v === 'true')
    .optional()
    .meta({ description, type: 'boolean' });

/** An instant on the wire: ISO 8601 with an offset. */
export const instant = z.iso.datetime({ offset: true });

export const workspaceOnlyQuery = z.object({ workspaceId });

/** A path that takes no query parameter (any sent is ignored, as Seqera's). */
export const emptyQuery = z.object({});

export const idParams = z.object({
  credentialsId: z.string().meta({ description: 'Credentials string identifier' }),
});

export const errorResponse = z.object({ message: z.string() });
export const ErrorResponse = component('ErrorResponse', errorResponse);
