export { startSandbox, type Sandbox, type SandboxAppInfo, type SandboxInfo, type SandboxOptions, type SandboxTeamInfo } from './server.ts';
export type { AppConfigChange } from './driver.ts';
export { generateTeams, DeliveryMode, WorkspaceFile, type GenerateSpec, type TeamSpec, type StoredMessage } from './workspace.ts';
export type { RateLimitOptions } from './rate-limit.ts';
export { SandboxErrorCodes } from './errors.ts';
