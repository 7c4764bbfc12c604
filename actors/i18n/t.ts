import { defineCatalog } from './catalog.ts';
import { en } from './en.ts';
import { ko } from './ko.ts';

export const t = defineCatalog({ ko, en });
export type MessageKey = keyof typeof en;
