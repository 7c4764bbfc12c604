import { WebClient } from '@slack/web-api';
import type { NatsConnection } from 'nats';
import { z } from 'zod';
import { codecs, MessageTypes, SlackId, SurfingerError, type Subjects } from '../../protocol/index.ts';
import { platformError } from './slack-sdk.ts';
import { slackTokenRefresher } from './token-refresher.ts';
import { rotationFields, type OAuthClient, type TeamCredentials, type TokenStore } from './token-store.ts';

/**
 * Per-workspace apps (SF_SLACK_DELIVERY=workspace-apps): each workspace runs its own SurFinger app
 * and the operator registers its tokens — from `surfinger workspaces add` or the admin page.
 * 1. The bot token must pass `auth.test`, and the team it belongs to must be the team named.
 * 2. The app-level token must start `xapp-` and `apps.connections.open` must accept it (the socket
 *    URL it returns is not used: the supervisor opens its own).
 * 3. With token rotation, the refresh token is spent at once with the app's client id/secret: that
 *    proves all three and gives the expiry of the pair stored.
 * 4. Only then are the tokens stored (encrypted) and TeamActive published, so the supervisor opens
 *    the team's socket. Each failure has its own code.
 */

export const RegistrationErrorCodes = {
  /** The team id is not a Slack id (T…). */
  TEAM_INVALID: 'SF_ERR_REGISTER_TEAM_INVALID',
  /** The bot token is missing, not `xoxb-`/`xoxe.xoxb-`, or `auth.test` refused it. */
  BOT_TOKEN: 'SF_ERR_REGISTER_BOT_TOKEN',
  /** The bot token works but belongs to another team than the one named. */
  TEAM_MISMATCH: 'SF_ERR_REGISTER_TEAM_MISMATCH',
  /** The app-level token is missing, not `xapp-`, or `apps.connections.open` refused it. */
  APP_TOKEN: 'SF_ERR_REGISTER_APP_TOKEN',
  /** A refresh token came without the app's client id and secret, or Slack refused it. */
  ROTATION: 'SF_ERR_REGISTER_ROTATION',
  /** Slack could not be reached to check the tokens. */
  UNREACHABLE: 'SF_ERR_REGISTER_UNREACHABLE',
} as const;

export interface Registration {
  team: string;
  botToken: string;
  appToken: string;
  /** With token rotation on: the refresh token and the app's OAuth client to spend it. */
  refreshToken?: string;
  client?: OAuthClient;
}

export interface Registered {
  team: string;
  teamName: string;
  botUserId: string;
  rotating: boolean;
}

const AuthTest = z.object({ team_id: z.string(), team: z.string().default(''), user_id: z.string().default('') });

/** Calls Slack; a platform error becomes `code`, anything else (network) UNREACHABLE. */
async function ask<T>(code: string, what: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (err) {
    const error = platformError(err);
    if (error) throw new SurfingerError(code, `${what} refused: ${error}`, { details: { slackError: error } });
    throw new SurfingerError(RegistrationErrorCodes.UNREACHABLE, `${what}: Slack could not be reached (${(err as Error).message.slice(0, 120)})`, { cause: err });
  }
}

/** Checks the tokens with Slack and returns the credentials to store; throws a coded error otherwise. */
export async function validateRegistration(reg: Registration, slackApiUrl: string, now: number): Promise<TeamCredentials> {
  const E = RegistrationErrorCodes;
  if (!SlackId.safeParse(reg.team).success || !reg.team.startsWith('T')) throw new SurfingerError(E.TEAM_INVALID, `"${reg.team.slice(0, 40)}" is not a Slack team id (T…)`);
  if (!/^(xoxb-|xoxe\.xoxb-)/.test(reg.botToken)) throw new SurfingerError(E.BOT_TOKEN, 'the bot token must start with xoxb- (or xoxe.xoxb- with token rotation)');
  if (!reg.appToken.startsWith('xapp-')) throw new SurfingerError(E.APP_TOKEN, 'the app-level token must start with xapp- (Basic Information → App-Level Tokens, scope connections:write)');
  if (reg.refreshToken !== undefined && !reg.client) throw new SurfingerError(E.ROTATION, 'a refresh token needs the app’s client id and client secret to be used');
  const options = { slackApiUrl, retryConfig: { retries: 1 }, timeout: 10_000 };
  const auth = AuthTest.parse(await ask(E.BOT_TOKEN, 'auth.test with the bot token', () => new WebClient(reg.botToken, options).auth.test()));
  if (auth.team_id !== reg.team) throw new SurfingerError(E.TEAM_MISMATCH, `the bot token belongs to team ${auth.team_id}, not ${reg.team}`, { details: { tokenTeam: auth.team_id } });
  await ask(E.APP_TOKEN, 'apps.connections.open with the app-level token', () => new WebClient(reg.appToken, options).apps.connections.open());
  const creds: TeamCredentials = { teamName: auth.team, botToken: reg.botToken, botUserId: auth.user_id, appToken: reg.appToken, installedAt: now };
  if (reg.refreshToken === undefined || !reg.client) return creds;
  const client = reg.client;
  const pair = await slackTokenRefresher({ slackApiUrl }).refresh(reg.refreshToken, client).catch((err: unknown) => {
    throw new SurfingerError(E.ROTATION, (err as Error).message, { cause: err });
  });
  return { ...creds, ...rotationFields(pair, now), client };
}

/** Validates, stores encrypted, and tells the supervisors the team is active. */
export async function registerWorkspace(
  reg: Registration,
  deps: { tokens: TokenStore; nc: NatsConnection; subjects: Subjects; slackApiUrl: string; now?: () => number },
): Promise<Registered> {
  const now = (deps.now ?? Date.now)();
  const creds = await validateRegistration(reg, deps.slackApiUrl, now);
  await deps.tokens.put(reg.team, creds);
  deps.nc.publish(deps.subjects.teamActive(reg.team), codecs.teamActive.encode({ type: MessageTypes.teamActive, team: reg.team, reason: 'admin', at: now }));
  await deps.nc.flush();
  return { team: reg.team, teamName: creds.teamName, botUserId: creds.botUserId, rotating: creds.refreshToken !== undefined };
}

/** Forgets the team's tokens and tells every service (supervisor closes the socket, egress drops its client). */
export async function removeWorkspace(team: string, deps: { tokens: TokenStore; nc: NatsConnection; subjects: Subjects; now?: () => number }): Promise<boolean> {
  const existed = await deps.tokens.delete(team);
  deps.nc.publish(deps.subjects.teamRemoved(team), codecs.teamRemoved.encode({ type: MessageTypes.teamRemoved, team, reason: 'admin', at: (deps.now ?? Date.now)() }));
  await deps.nc.flush();
  return existed;
}
