// The one scope rule, for the route (AUTH_REQUIRED_SCOPES), per tool (403 step-up) and for tools/list.

/** The needed scopes that `held` lacks, in `needed` order, each once. Pure. */
export function missingScopes(held: readonly string[], needed: readonly string[]): string[] {
  return needed.filter((s, i) => !held.includes(s) && needed.indexOf(s) === i);
}

/** Pure predicate: `held` has every needed scope (an empty `needed` is always met). */
export function hasScopes(held: readonly string[], needed: readonly string[]): boolean {
  return needed.every((s) => held.includes(s));
}
