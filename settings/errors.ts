import * as pulumi from "@pulumi/pulumi";

/** The config namespace of every meshstack setting. */
export const NS = "meshstack";

/**
 * Bad stack settings. A RunError, so the Pulumi CLI prints the message alone, without a stack trace:
 * one line per problem, each naming the key, the bad value and the fix.
 */
export class SettingsError extends pulumi.RunError {
    constructor(readonly problems: readonly string[]) {
        super(problems.join("\n"));
        this.name = "SettingsError";
    }
}

/** `meshstack:<path>` as users type it in `pulumi config set`. */
export function keyName(path: string): string {
    return `${NS}:${path}`;
}

/** A value quoted as it appeared in config: strings quoted, everything else as JSON. */
export function shown(value: unknown): string {
    return typeof value === "string" ? `"${value}"` : JSON.stringify(value);
}
