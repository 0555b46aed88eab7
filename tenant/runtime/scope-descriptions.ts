/**
 * What the consent page says for each scope: AM's reading of a client's scope entries ("scope",
 * "scope|description", "scope|locale|description", "scope|" to hide), ported from OpenAM's
 * OpenAMClientRegistration.getScopeDescriptions — the entries of the allowed and the default
 * scopes together, the user's locale from the most specific form down (en_GB, then en), a
 * localized description winning over one without a locale, the scope's own name when nothing
 * matches. Pure.
 */
import { stringList, type Client } from './oauth2-clients.js';

/** The locale strings tried, most specific first: en_GB_x → en_GB_x, en_GB, en. */
export function languageStrings(locale: string): string[] {
  const strings: string[] = [];
  let current = locale;
  for (let separator = current.lastIndexOf('_'); separator > -1; separator = current.lastIndexOf('_')) {
    if (!current.endsWith('_')) strings.push(current);
    current = current.slice(0, separator);
  }
  if (current) strings.push(current);
  return strings;
}

/** OpenAM's split: at most three parts ("a|b|c|d" keeps "c|d" as the description). */
function split(entry: string): string[] {
  const parts = entry.split('|');
  return parts.length <= 3 ? parts : [parts[0], parts[1], parts.slice(2).join('|')];
}

/** Scope → the text to show; a scope hidden for the locale is absent. */
export function scopeDescriptions(client: Client, locale: string): Map<string, string> {
  const descriptions = new Map<string, string>();
  const localized = new Map<string, string>();
  const hidden = new Set<string>();
  const entries = [...new Set([...stringList(client.core.scopes), ...stringList(client.core.defaultScopes)])].map(split);
  for (const language of languageStrings(locale)) {
    for (const parts of entries) {
      const [scope] = parts;
      if (parts.length === 1) {
        if (!descriptions.has(scope)) descriptions.set(scope, scope);
      } else if (parts.length === 2) {
        if (parts[1].trim() !== '') descriptions.set(scope, parts[1]);
      } else if (parts[2].trim() !== '') {
        if (parts[1] === language && !localized.has(scope)) localized.set(scope, parts[2]);
        else if (!descriptions.has(scope) && !localized.has(scope)) descriptions.set(scope, scope);
      } else if (parts[1] === language && !localized.has(scope)) hidden.add(scope);
      else if (!descriptions.has(scope) && !localized.has(scope)) descriptions.set(scope, scope);
    }
  }
  for (const [scope, text] of localized) descriptions.set(scope, text);
  for (const scope of hidden) descriptions.delete(scope);
  return descriptions;
}

/** The request's locale as AM takes it: the `locale` parameter, else the first Accept-Language tag (en-GB → en_GB), else en. */
export function requestLocale(parameter: string | undefined, acceptLanguage: string | undefined): string {
  const tag = parameter || (acceptLanguage ?? '').split(',')[0]?.split(';')[0]?.trim();
  if (!tag || tag === '*') return 'en';
  const [language, country, ...rest] = tag.replace(/-/g, '_').split('_');
  return [language.toLowerCase(), ...(country ? [country.toUpperCase()] : []), ...rest].join('_');
}
