// Tiny media payloads for the conformance fixtures: a 1x1 red PNG and an 8-sample silent 8 kHz WAV.
// Generated once with node:zlib and hard-coded so the fixtures need no file access at runtime.

/** 1x1 red pixel, image/png. */
export const RED_PIXEL_PNG =
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAIAAACQd1PeAAAADElEQVR4nGP4z8AAAAMBAQDJ/pLvAAAAAElFTkSuQmCC';

/** 8 samples of silence, 8 kHz mono 8-bit PCM, audio/wav. */
export const SILENT_WAV = 'UklGRiwAAABXQVZFZm10IBAAAAABAAEAQB8AAEAfAAABAAgAZGF0YQgAAACAgICAgICAgA==';
