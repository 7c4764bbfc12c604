// placeholder until the token store lands
export async function seedSandboxTeams(_env: Record<string, string>, _sandbox: unknown): Promise<void> {}
