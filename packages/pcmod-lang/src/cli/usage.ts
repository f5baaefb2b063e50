/** Help texts of `pcmod` and its commands (`pcmod --help`, `pcmod help CMD`, `pcmod CMD --help`). */

export const commandNames = ['check', 'fmt', 'compile'] as const;
export type CommandName = (typeof commandNames)[number];

export function isCommandName(name: string): name is CommandName {
  return (commandNames as readonly string[]).includes(name);
}

export const mainHelp = `Usage: pcmod <command> [options]

The pcmod language tool: check, format and compile proxycache modules (.pcmod files).

Commands:
  check [PATH...]          Report errors and warnings (directories are searched for *.pcmod)
  fmt [--check] [PATH...]  Rewrite files in the canonical layout ('-' reads stdin, writes stdout)
  compile FILE             Print the generated JavaScript or TypeScript of one module
  help [COMMAND]           Show help for a command

Options:
  -h, --help               Show this help
  -v, --version            Print the pcmod version

Exit codes: 0 success, 1 errors found / files need formatting, 2 bad command line.
`;

export const commandHelp: Record<CommandName, string> = {
  check: `Usage: pcmod check [PATH...] [--format text|json]

Parses and type-checks every .pcmod file under the given paths (default: the current directory).
Directories are searched recursively; node_modules and hidden directories are skipped.

Options:
  -f, --format text|json   Output format (default: text). json prints one array of all diagnostics.
  -h, --help               Show this help

Exit codes: 0 no errors (warnings allowed), 1 any error, 2 bad command line or unreadable path.
`,
  fmt: `Usage: pcmod fmt [--check] [PATH...]
       pcmod fmt -

Rewrites .pcmod files in place in the canonical layout (default path: the current directory).
Files with syntax errors are reported and left untouched. '-' formats stdin to stdout.

Options:
  -c, --check   Do not write; list the files that would change and exit 1 if there are any
  -h, --help    Show this help

Exit codes: 0 done / all formatted, 1 files would change or have syntax errors, 2 bad command line.
`,
  compile: `Usage: pcmod compile FILE [--emit js|ts]

Compiles one module and prints the generated source. Errors are printed instead, with exit code 1.

Options:
  -e, --emit js|ts   What to print: the generated JavaScript (default) or the equivalent TypeScript
  -h, --help         Show this help
`,
};
