// The names in a session's folder that the store and its writer both use (see fileSessionStore.ts for the
// whole layout).
export const META = 'meta.json';
export const LOG = 'events.jsonl';
export const BLOBS = 'blobs';
