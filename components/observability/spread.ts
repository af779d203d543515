/** Where replicas of one workload should land: apart across zones first, then across nodes. */
export const SPREAD_TOPOLOGY_KEYS = ["topology.kubernetes.io/zone", "kubernetes.io/hostname"] as const;

/**
 * `topologySpreadConstraints` for a workload with more than one replica, selecting its own pods by `matchLabels`.
 * ScheduleAnyway: a single-zone cluster or a node shortage still schedules every replica, only less evenly.
 * One replica has nothing to spread: no constraints.
 */
export function spreadReplicas(replicas: number, matchLabels: Readonly<Record<string, string>>): { topologySpreadConstraints?: Record<string, unknown>[] } {
    if (replicas <= 1) return {};
    return {
        topologySpreadConstraints: SPREAD_TOPOLOGY_KEYS.map((topologyKey) => ({
            maxSkew: 1,
            topologyKey,
            whenUnsatisfiable: "ScheduleAnyway",
            labelSelector: { matchLabels },
        })),
    };
}
