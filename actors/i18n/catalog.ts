import type { Lang } from '../../protocol/messages.ts';

export type Vars = Readonly<Record<string, string | number>>;
export type Translate<K extends string> = (lang: Lang, key: K, vars?: Vars) => string;

/**
 * Builds a typed `t` over one catalog per language. K is inferred from every language at once, so
 * a key present in one catalog and missing in another is a type error, whichever side lacks it.
 * Templates use `{name}` placeholders; an unknown placeholder is left visible rather than dropped,
 * so a typo shows up in review instead of silently eating text.
 */
export function defineCatalog<K extends string>(catalogs: { readonly [L in Lang]: Readonly<Record<K, string>> }): Translate<K> {
  return (lang, key, vars) => {
    const template = catalogs[lang][key];
    if (vars === undefined) return template;
    return template.replace(/\{(\w+)\}/g, (whole, name: string) => (name in vars ? String(vars[name]) : whole));
  };
}
