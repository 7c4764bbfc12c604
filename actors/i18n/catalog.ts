import { josa } from 'es-hangul';
import type { Lang } from '../../protocol/messages.ts';

export type Vars = Readonly<Record<string, string | number>>;
export type Translate<K extends string> = (lang: Lang, key: K, vars?: Vars) => string;

/**
 * Builds a typed `t` over one catalog per language. K is inferred from every language at once, so
 * a key present in one catalog and missing in another is a type error, whichever side lacks it.
 * Templates use `{name}` placeholders; an unknown placeholder is left visible rather than dropped,
 * so a typo shows up in review instead of silently eating text. Korean particles depend on the
 * word before them (게임을, 배지를 but 승리를, 백발백중을), so `{name|을/를}` appends the right one
 * for the value instead of the clumsy "을(를)".
 */
export function defineCatalog<K extends string>(catalogs: { readonly [L in Lang]: Readonly<Record<K, string>> }): Translate<K> {
  return (lang, key, vars) => {
    const template = catalogs[lang][key];
    if (vars === undefined) return template;
    return template.replace(/\{(\w+)(?:\|([^}/]+\/[^}]+))?\}/g, (whole, name: string, particle: string | undefined) => {
      if (!(name in vars)) return whole;
      const value = String(vars[name]);
      return particle === undefined ? value : josa(value, particle as Parameters<typeof josa>[1]);
    });
  };
}
