/** The standard EC2 trust policy in the forms the tests hand to IAM or read back from it. */
import { EC2_TRUST_POLICY } from '../../core/trust-policy.js';

/** As a caller sends it to CreateRole. */
export const EC2_TRUST_JSON = JSON.stringify(EC2_TRUST_POLICY);

/** As GetRole returns it: URL-encoded JSON. */
export const EC2_TRUST_URL_ENCODED = encodeURIComponent(EC2_TRUST_JSON);
