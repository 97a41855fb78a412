/**
 * fast-check seeding. Locally every run draws fresh seeds (exploration: a failure prints its seed and path to
 * replay). In CI (CI=true) the seed is fixed so that landing never depends on the draw; FC_SEED overrides both,
 * e.g. FC_SEED=123 npm test to replay a reported failure.
 */
import fc from 'fast-check';

const seed = process.env.FC_SEED !== undefined ? Number(process.env.FC_SEED) : process.env.CI ? 20261121 : undefined;
if (seed !== undefined && Number.isFinite(seed)) fc.configureGlobal({ seed });
