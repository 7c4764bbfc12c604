export { startSandbox, type Sandbox, type SandboxInfo, type SandboxOptions, type SandboxTeamInfo } from './server.ts';
export { generateTeams, WorkspaceFile, type GenerateSpec, type TeamSpec, type StoredMessage } from './workspace.ts';
export type { RateLimitOptions } from './rate-limit.ts';
export { SandboxErrorCodes } from './errors.ts';
