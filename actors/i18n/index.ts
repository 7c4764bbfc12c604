export { defineCatalog } from './catalog.ts';
export type { Translate, Vars } from './catalog.ts';
export { t } from './t.ts';
export type { MessageKey } from './t.ts';
