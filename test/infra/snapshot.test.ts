/**
 * The whole environment-agnostic template, as a committed snapshot with asset hashes masked, so any
 * change to the deployed resources shows up in review. Update it with `npx vitest run -u --project infra`.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { removeSynthOutputs, synthesize } from './support/synth.js';

/**
 * A SHA-256 in hex: the asset hashes in the Lambda code's S3 keys, which change with every bundle, and the
 * after-deploy run's template fingerprint, which changes with them.
 */
const ASSET_HASH = /\b[0-9a-f]{64}\b/g;

afterAll(removeSynthOutputs);

describe('template snapshot', () => {
  it('matches the committed snapshot', () => {
    // Prepare
    const { template } = synthesize();

    // Act
    const masked = JSON.parse(JSON.stringify(template.toJSON()).replace(ASSET_HASH, '[asset hash]')) as unknown;

    // Assess
    expect(JSON.stringify(masked)).not.toMatch(ASSET_HASH);
    expect(masked).toMatchSnapshot();
  });
});
