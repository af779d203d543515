/**
 * What a new user gets on top of the platform: the demo workload and the laptop ports of the port-forward
 * commands. Its own keys and reader, defaulted here from the environment rather than in the presets.
 */

import { Env, KeySpec } from "./keys";
import { Values } from "./values";

export const firstHourKeys: readonly KeySpec[] = [
    { key: "demo.enabled", type: "boolean", description: "Run the demo workload: a pod for each declared service (named, labelled and calling its dependencies as the mesh policies describe, with trace context propagated) and a load generator that calls the exposed services through the ingress gateway.", defaultText: "dev: true, staging: false, prod: false" },
    { key: "portForward.localPortOffset", type: "integer", min: 0, max: 40000, description: "Added to every laptop port of the port-forward commands and UI URLs, so two stacks' port-forwards can run side by side.", defaultText: "0" },
];

export interface FirstHourSettings {
    readonly demo: boolean;
    readonly localPortOffset: number;
}

export function buildFirstHour(v: Values, environment: Env): FirstHourSettings {
    return {
        demo: v.get<boolean>("demo.enabled") ?? environment === "dev",
        localPortOffset: v.get<number>("portForward.localPortOffset") ?? 0,
    };
}
