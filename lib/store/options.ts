// Tuning knobs shared by both implementations; every field has a default derived from Config.

import type { StoreConfig } from '../config.ts';
import { DEFAULT_MAX_MESSAGE_BYTES } from './logs.ts';
import { DEFAULT_MAX_POLL_INTERVAL_MS } from './wait.ts';

export interface StoreOptions {
  /** Clock in epoch ms (tests move it to exercise expiry). */
  now?: () => number;
  /** Largest serialised event/message; above it writes throw StoreItemTooLarge. */
  maxMessageBytes?: number;
  /** How long events and channel messages live, in seconds (default: the session TTL). */
  logTtlSec?: number;
  /** Cap of the idle poll backoff (DynamoDB waits); default 200 ms keeps latency within 250 ms. */
  maxPollIntervalMs?: number;
}

export interface ResolvedStoreOptions {
  now: () => number;
  maxMessageBytes: number;
  logTtlSec: number;
  sessionTtlSec: number;
  pollIntervalMs: number;
  maxPollIntervalMs: number;
}

/** The options with every default filled in from the configuration. */
export function resolveStoreOptions(store: StoreConfig, options: StoreOptions = {}): ResolvedStoreOptions {
  return {
    now: options.now ?? Date.now,
    maxMessageBytes: options.maxMessageBytes ?? DEFAULT_MAX_MESSAGE_BYTES,
    logTtlSec: options.logTtlSec ?? store.sessionTtlSec,
    sessionTtlSec: store.sessionTtlSec,
    pollIntervalMs: store.pollIntervalMs,
    maxPollIntervalMs: options.maxPollIntervalMs ?? DEFAULT_MAX_POLL_INTERVAL_MS,
  };
}

/** Epoch seconds, the unit of DynamoDB TTL attributes. */
export function epochSec(ms: number): number {
  return Math.floor(ms / 1000);
}

/** A record is live while now is before its expiresAt (epoch s); the TTL sweeper may lag by days. */
export function isLive(expiresAt: number, nowMs: number): boolean {
  return expiresAt * 1000 > nowMs;
}
