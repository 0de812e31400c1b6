// Points every SDK client and AWS CLI call in the test at this project's moto server, through the
// same standard variable production would use for a custom endpoint.
import { inject } from 'vitest';

process.env.AWS_ENDPOINT_URL = inject('motoUrl');
