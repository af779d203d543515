import { parseRenderArgs, renderForCli, summary } from "./render";
import { verifyStack } from "./verify/index";
import { findIstioctl } from "./verify/istioctl";

/**
 * `npm run verify -- --stack <name> [--cache DIR] [--quick]`: renders the stack's releases with the real charts
 * and checks the manifests and the program's own objects. One line per finding; exit 1 with findings, 0 clean,
 * 2 when it cannot run (no chart cache, no helm, bad arguments).
 */

const USAGE = "usage: npm run verify -- --stack <name> [--cache DIR] [--quick]";

async function main(): Promise<void> {
    const argv = process.argv.slice(2);
    const quick = argv.includes("--quick");
    let args;
    try {
        args = parseRenderArgs(argv.filter((a) => a !== "--quick"), USAGE, ["--stack", "--cache"]);
    } catch (e) {
        process.stderr.write(`${(e as Error).message}\n`);
        process.exit(2);
    }
    const started = Date.now();
    const stack = await renderForCli(args);
    const istioctl = findIstioctl();
    const findings = await verifyStack(stack, { unreadKeys: !quick, istioctl });
    const lines = [
        ...summary(stack),
        istioctl ? `  istioctl analyze: ${istioctl}` : "  istioctl: not found (set MESHSTACK_ISTIOCTL or put istioctl on PATH), so Istio's own analyzers did not run",
        ...(quick ? ["  --quick: values keys were not checked against the charts"] : []),
        ...findings,
        `meshstack verify: stack ${stack.stack}: ${findings.length} finding${findings.length === 1 ? "" : "s"} in ${((Date.now() - started) / 1000).toFixed(1)} s`,
    ];
    process.stdout.write(`${lines.join("\n")}\n`);
    process.exitCode = findings.length > 0 ? 1 : 0;
}

main().catch((e) => {
    process.stderr.write(`${e?.stack ?? e}\n`);
    process.exit(1);
});
