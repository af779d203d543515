import { guardrailPolicies } from "./guardrails";
import { metricsPolicies } from "./metrics";
import { mtlsPolicies } from "./mtls";
import { revisionPolicies } from "./revisions";
import { samplingPolicies } from "./sampling";
import { sourcePolicies } from "./sources";

/** The pack's name, as PulumiPolicy.yaml and the CLI know it. */
export const PACK_NAME = "meshstack";

/** Every policy of the pack, in the order reports list them. */
export const allPolicies = [...mtlsPolicies, ...samplingPolicies, ...metricsPolicies, ...guardrailPolicies, ...sourcePolicies, ...revisionPolicies];
