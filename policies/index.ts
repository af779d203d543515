import { PolicyPack } from "@pulumi/policy";
import { allPolicies, PACK_NAME } from "./rules";

// Constructing the pack starts CrossGuard's gRPC server: only the Pulumi CLI loads this file.
// Tests and tools import ./rules instead.
new PolicyPack(PACK_NAME, {
    description: "meshstack: mTLS, trace sampling and platform guardrails for an Istio mesh deployed with Pulumi.",
    enforcementLevel: "advisory",
    policies: allPolicies,
});
