import { cacheDir, pullAll } from "./chartCache";
import { findHelm } from "./helmBinary";

/** `npm run charts:pull [-- --cache DIR]`: `helm pull` of every pinned chart from its pinned repository (needs network). */
async function main(): Promise<void> {
    const argv = process.argv.slice(2);
    if (argv.length > 0 && !(argv.length === 2 && argv[0] === "--cache")) {
        process.stderr.write("usage: npm run charts:pull [-- --cache DIR]\n");
        process.exit(2);
    }
    const cache = cacheDir(argv[1]);
    process.stdout.write(`filling the chart cache ${cache}\n`);
    await pullAll(cache, findHelm().path, (line) => process.stdout.write(`${line}\n`));
}

main().catch((e) => {
    process.stderr.write(`charts:pull failed: ${(e as Error).message}\n`);
    process.exit(1);
});
