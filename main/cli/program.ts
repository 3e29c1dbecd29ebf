// Running a command line to its exit code: shared by the front (dist/cli.cjs) and the
// commands bundle when it is run by itself (`node dist/cli-commands.cjs …`, as the CLI bench does).

/**
 * Exit once output is flushed: pacote's keep-alive agents and timers would otherwise
 * hold the process open after an error.
 */
function exitWith(code: number): void {
  process.exitCode = code;
  process.stdout.write('', () => process.stderr.write('', () => process.exit(code)));
}

export function runProgram(main: (argv: string[]) => Promise<number>, argv: string[] = process.argv.slice(2)): void {
  main(argv).then(exitWith, (e) => {
    process.stderr.write(`animactl: unexpected failure: ${e?.stack ?? e}\n`);
    exitWith(1);
  });
}
