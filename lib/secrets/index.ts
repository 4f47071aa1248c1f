// Reading secrets from AWS Secrets Manager (the SDK loaded lazily): shared by lib/facade and lib/apps.
export { readSecretString, SecretReadError } from './read.ts';
