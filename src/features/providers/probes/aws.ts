/**
 * AWS: static keys are checked with STS GetCallerIdentity; a role (role mode)
 * is assumed with the service's own identity and the credential's external id,
 * as a delivery would — both signed by the AWS SDK, through the guarded client.
 * A valid outcome names the identity AWS answered.
 */

import { AwsRefused, AwsUnavailable } from '../../../infra/aws-sts.js';
import { ProbeRefused, ProbeUnreachable } from '../../../infra/guarded-http.js';
import { guarded, invalid, type Probe, type ProbeOutcome, text } from './common.js';

const AWS_KEY_ID = /^(AKIA|ASIA)[A-Z0-9]{16}$/;
export const AWS_ROLE_ARN = /^arn:aws[a-z-]*:iam::\d{12}:role\/[\w+=,.@/-]{1,512}$/;
/** The shortest session STS grants: a probe needs none of it. */
const PROBE_SESSION_SECONDS = 900;

export const awsProbe: Probe = async (target, ctx) => {
  const { accessKey, secretKey, assumeRoleArn, mode } = target.keys;
  const roleMode = mode === 'role' || mode === 'federated' || (!text(accessKey) && text(assumeRoleArn));
  if (roleMode) {
    if (!AWS_ROLE_ARN.test(text(assumeRoleArn))) return invalid('assumeRoleArn is not an IAM role ARN (arn:aws:iam::<account>:role/<name>)');
    // A federated role trusts this service's issuer, not its identity: its check is the exchange a delivery makes.
    const federatedCheck = ctx.federatedCheck;
    if (mode === 'federated') {
      return federatedCheck ? guarded(() => sts(async () => ({ result: 'valid', identity: await federatedCheck() }))) : { result: 'valid' };
    }
    return guarded(() =>
      sts(async () => {
        const session = await ctx.sts.assumeRole({
          roleArn: text(assumeRoleArn),
          externalId: text(target.keys.externalId) || undefined,
          sessionName: 'credentials-validation',
          durationSeconds: PROBE_SESSION_SECONDS,
        });
        return { result: 'valid', identity: `assumed as ${session.assumedRoleArn}` };
      }),
    );
  }
  if (!AWS_KEY_ID.test(text(accessKey))) return invalid('accessKey is not an AWS access key id (AKIA… or ASIA…, 20 characters)');
  if (text(secretKey).length !== 40) return invalid('secretKey is not an AWS secret access key (40 characters)');
  return guarded(() =>
    sts(async () => {
      const arn = await ctx.sts.callerIdentity({ accessKeyId: text(accessKey), secretAccessKey: text(secretKey) });
      return { result: 'valid', identity: arn ? `identity ${arn}` : undefined };
    }),
  );
};

/** STS's answer as an outcome: its refusal is INVALID in AWS's words, the rest transient. */
async function sts(step: () => Promise<ProbeOutcome>): Promise<ProbeOutcome> {
  try {
    return await step();
  } catch (error) {
    if (error instanceof ProbeRefused || error instanceof ProbeUnreachable) throw error;
    if (error instanceof AwsRefused) return invalid(`AWS refused the credentials (${error.status}): ${error.message}`);
    if (error instanceof AwsUnavailable) return { result: 'transient', message: error.message };
    throw error;
  }
}
