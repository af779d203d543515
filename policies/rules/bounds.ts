/**
 * What a production mesh must meet, in one place. The pack's defaults come from here, and with them
 * policies/config/prod.json (a test holds it equal to the defaults); the program's prod settings validation
 * (settings/meshPolicy.ts, settings/serviceChecks.ts) imports it too, so the two cannot drift. The pack
 * ships on its own, so the program imports from the pack, never the other way round.
 */
export const PROD_BOUNDS = {
    /** Mesh-wide trace sampling, in percent: traces for debugging without tracing every request. */
    sampling: { minPercent: 1, maxPercent: 10 },
    /** The mTLS modes prod accepts, mesh-wide and in every namespace or workload exception. */
    mtlsModes: ["STRICT"] as readonly string[],
} as const;
