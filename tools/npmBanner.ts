/**
 * `npm run <script>` prints its banner (`> meshstack@0.1.0 plan` and the command) on stdout before the script
 * starts, unless npm runs with --silent (-s). A tool cannot take it back, so with --json it says on stderr how
 * to get JSON alone: `npm run --silent plan -- --stack dev --json | jq .`
 */
export function npmBannerNote(script: string, env: NodeJS.ProcessEnv = process.env): string | undefined {
    if (env.npm_lifecycle_event !== script || env.npm_config_loglevel === "silent") return undefined;
    return `note: npm printed its "> ${env.npm_package_name}@${env.npm_package_version} ${script}" banner on stdout ahead of this JSON; `
        + `to pipe the JSON alone, run npm run --silent ${script} -- ...`;
}
