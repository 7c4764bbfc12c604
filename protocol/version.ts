/** Bumped when a subject or payload changes incompatibly; it is part of every subject and type id. */
export const PROTOCOL_VERSION = 1 as const;
export const V = `v${PROTOCOL_VERSION}` as const;
