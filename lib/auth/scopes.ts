// Scope predicates (pure).
//
//   missingScopes(principal, needed): string[]   the needed scopes the principal lacks, in `needed` order
//   hasScopes(principal, needed): boolean         true when none are missing (an empty `needed` is always met)

import type { Principal } from './principal.ts';

type Scoped = Pick<Principal, 'scopes'>;

export function missingScopes(principal: Scoped, needed: readonly string[]): string[] {
  const held = new Set(principal.scopes);
  return needed.filter((s, i) => !held.has(s) && needed.indexOf(s) === i);
}

export function hasScopes(principal: Scoped, needed: readonly string[]): boolean {
  return missingScopes(principal, needed).length === 0;
}
