/**
 * Every diagnostic code pcmod can report, with its default severity and message template.
 * Codes are stable and never reused: retire a code by marking it `retired`, never by deleting it.
 * Ranges: PCM1xxx syntax and limits, PCM2xxx names and types, PCM3xxx phases and effects,
 * PCM4xxx lints and legacy style, PCM5xxx loading a set of modules, PCM6xxx config.toml. docs/pcmod.md lists every code (a test keeps them in sync).
 */
import type { Severity } from './diagnostic.js';

export interface CatalogueEntry {
  readonly severity: Severity;
  /** Template; `{0}`, `{1}`, … are filled from the diagnostic's arguments. */
  readonly message: string;
  /** One line for docs and hover: what the code means. */
  readonly summary: string;
}

export const catalogue = {
  // ---- PCM1xxx: syntax and limits ------------------------------------------------------------
  PCM1001: {
    severity: 'error',
    message: '{0}',
    summary: 'Syntax error: the parser expected something else here.',
  },
  PCM1002: {
    severity: 'error',
    message: 'Unterminated string literal.',
    summary: 'A string is missing its closing quote before the end of the line.',
  },
  PCM1003: {
    severity: 'error',
    message: "Unexpected character '{0}'.",
    summary: 'A character that cannot start any token.',
  },
  PCM1004: {
    severity: 'error',
    message: "Invalid escape sequence '\\{0}' in string.",
    summary: 'Only \\\\, \\", \\n, \\t, \\r and \\$ are escapes.',
  },
  PCM1005: {
    severity: 'error',
    message: 'Invalid interpolation: {0}',
    summary: 'A `${…}` part of a string is empty, unterminated or not an expression.',
  },
  PCM1006: {
    severity: 'error',
    message: "Integer literal '{0}' is out of range.",
    summary: 'Integers must fit in a safe 53-bit integer.',
  },
  PCM1007: {
    severity: 'error',
    message: "Unknown unit '{0}' in quantity literal.",
    summary: 'Durations take ms, s, m, h, d; sizes take B, KB, MB, GB, KiB, MiB, GiB.',
  },
  PCM1010: {
    severity: 'error',
    message: 'Script has {0} lines; the limit is {1}.',
    summary: 'A module may not exceed 10,000 lines.',
  },
  PCM1011: {
    severity: 'error',
    message: 'Nesting is {0} levels deep; the limit is {1}.',
    summary: 'Blocks and expressions may not nest deeper than the fixed bound.',
  },

  // ---- PCM2xxx: names and types --------------------------------------------------------------
  PCM2001: {
    severity: 'error',
    message: "Unknown name '{0}'.",
    summary: 'An identifier that is neither a `let` variable nor a request field.',
  },
  PCM2002: {
    severity: 'error',
    message: "Unknown config field '${0}'.",
    summary: "A `$field` that is not declared in this module's `config {}` block.",
  },
  PCM2003: {
    severity: 'error',
    message: "Unknown function '{0}'.",
    summary: 'A call to a function the stdlib does not declare.',
  },
  PCM2004: {
    severity: 'error',
    message: "'{0}' expects {1} argument(s) but got {2}.",
    summary: 'Wrong number of arguments to a call.',
  },
  PCM2005: {
    severity: 'error',
    message: "Argument {0} of '{1}' must be {2}, got {3}.",
    summary: 'An argument has the wrong type.',
  },
  PCM2006: {
    severity: 'error',
    message: "Operator '{0}' cannot be applied to {1} and {2}.",
    summary: 'Operand types do not fit the operator.',
  },
  PCM2007: {
    severity: 'error',
    message: 'Condition must be bool, got {0}.',
    summary: 'An `if` condition is not a boolean expression.',
  },
  PCM2008: {
    severity: 'error',
    message: "Default of '{0}' must be {1}, got {2}.",
    summary: "A config default does not match the field's declared type.",
  },
  PCM2009: {
    severity: 'error',
    message: "Unknown type '{0}'.",
    summary: 'A config field type that is not bool, int, str, duration, size, list or map.',
  },
  PCM2010: {
    severity: 'error',
    message: "Duplicate config field '{0}'.",
    summary: 'A config field is declared twice.',
  },
  PCM2011: {
    severity: 'error',
    message: "'{0}' is already defined in this handler.",
    summary: 'A `let` redeclares a name already in scope.',
  },
  PCM2012: {
    severity: 'error',
    message: "Missing 'mod NAME' header.",
    summary: 'Every module must start by naming itself with `mod`.',
  },
  PCM2013: {
    severity: 'error',
    message: "Duplicate '{0}' header.",
    summary: '`mod`, `version` and `priority` may appear once.',
  },
  PCM2014: {
    severity: 'error',
    message: "Invalid module name '{0}'.",
    summary: 'Module names are lower-case identifiers (letters, digits, underscores).',
  },
  PCM2015: {
    severity: 'error',
    message: "Unknown log level '{0}'; expected one of {1}.",
    summary: 'A `log` statement uses a level that does not exist.',
  },
  PCM2016: {
    severity: 'error',
    message: 'Status {0} is not a valid HTTP status (100–599).',
    summary: 'A `respond` status literal outside 100–599.',
  },
  PCM2017: {
    severity: 'error',
    message: 'Invalid regular expression: {0}',
    summary: 'The right side of `matches` is not a valid regular expression.',
  },
  PCM2018: {
    severity: 'error',
    message: "'{0}' returns no value and cannot be used in an expression.",
    summary: 'A void call used where a value is needed.',
  },
  PCM2019: {
    severity: 'error',
    message: "Duplicate '{0}' handler.",
    summary: 'A handler block appears more than once.',
  },
  PCM2020: {
    severity: 'error',
    message: 'Only one config block is allowed.',
    summary: 'A module has more than one `config {}` block.',
  },
  PCM2021: {
    severity: 'error',
    message: "Config field '{0}' needs a default value.",
    summary: 'A config field without a default.',
  },
  PCM2022: {
    severity: 'error',
    message: "Config field 'enabled' must be bool.",
    summary: '`enabled` is reserved for turning a module on and off.',
  },
  PCM2023: {
    severity: 'error',
    message: "Invalid header name '{0}'.",
    summary: 'A header name literal with characters HTTP does not allow.',
  },
  PCM2024: {
    severity: 'error',
    message: "The pattern of 'matches' must be a string literal or a config field.",
    summary: 'Regexes are compiled once at load time, so they must be constant.',
  },
  PCM2025: {
    severity: 'error',
    message: "Invalid content type '{0}'.",
    summary: 'A `respond` content type literal that is not `type/subtype`.',
  },
  PCM2026: {
    severity: 'error',
    message: "'{0}' must be {1}, got {2}.",
    summary: 'A statement operand (status, header value, log message, …) has the wrong type.',
  },
  PCM2027: {
    severity: 'error',
    message: 'List elements must all be {0}, got {1}.',
    summary: 'A list literal mixes element types.',
  },
  PCM2028: {
    severity: 'error',
    message: "Default of '{0}' must be a constant value.",
    summary: 'A config default that is not a literal (it may not read fields, other config values or calls).',
  },
  PCM2029: {
    severity: 'error',
    message: 'Map keys and values must be str, got {0}.',
    summary: 'A map literal entry that is not a string.',
  },
  PCM2030: {
    severity: 'error',
    message: "Operator '{0}' cannot be applied to {1}.",
    summary: 'The operand type does not fit the unary operator (`!` needs bool, `-` needs int).',
  },

  // ---- PCM3xxx: phases and effects -----------------------------------------------------------
  PCM3001: {
    severity: 'error',
    message: "'{0}' is not available in {1}.",
    summary:
      'A request or response field used in a phase where it does not exist (e.g. `status` in on_request).',
  },
  PCM3002: {
    severity: 'error',
    message: "'{0}' cannot be called in {1}; allowed in {2}.",
    summary: 'A stdlib call used in a phase its declaration does not allow.',
  },
  PCM3003: {
    severity: 'error',
    message: "'{0}' is not allowed in {1}.",
    summary: 'A statement used in a phase where it has no meaning (e.g. `respond` in on_start).',
  },
  PCM3004: {
    severity: 'warning',
    message: 'Unreachable code: the handler has already ended.',
    summary: 'Statements after `respond`, `pass` or a call that always responds never run.',
  },

  // ---- PCM4xxx: lints and legacy style -------------------------------------------------------
  PCM4001: {
    severity: 'warning',
    message: "Legacy unquoted value '{0}'; quote it.",
    summary: 'An unquoted word standing for a string (legacy syntax). `pcmod fmt` quotes it.',
  },
  PCM4002: {
    severity: 'warning',
    message: "'{0}' is declared but never used.",
    summary: 'A `let` variable that is never read.',
  },
  PCM4003: {
    severity: 'warning',
    message: 'Empty {0} block.',
    summary: 'A handler or block with no statements.',
  },

  // ---- PCM5xxx: loading a set of modules (proxycache's module loader) ------------------------
  PCM5001: {
    severity: 'error',
    message: "Duplicate module name '{0}'; it is already defined in {1}.",
    summary:
      'Two loaded `.pcmod` files declare the same `mod` name; use a new name and `overrides` to replace a module.',
  },
  PCM5002: {
    severity: 'error',
    message: 'Cannot read {0}: {1}',
    summary: 'A module file or mods directory could not be read.',
  },
  PCM5003: {
    severity: 'warning',
    message: "'overrides {0}': no module named '{0}' in the workspace or the built-in modules.",
    summary:
      '`overrides` names a module that is neither in the workspace nor among the built-in modules (reported by the language server).',
  },

  // ---- PCM6xxx: config.toml (proxycache's config validation, also published by the language server) --
  PCM6001: {
    severity: 'error',
    message: 'TOML syntax error: {0}',
    summary: 'config.toml is not valid TOML.',
  },
  PCM6002: {
    severity: 'error',
    message: 'unknown section [{0}]; sections are {1}',
    summary: 'A `[section]` that is neither `[server]` nor the name of a loaded module.',
  },
  PCM6003: {
    severity: 'error',
    message: "unknown key '{0}' in [{1}]",
    summary:
      "A key that the section's schema (`[server]` or the module's `config {}` block) does not declare.",
  },
  PCM6004: {
    severity: 'error',
    message: '{0}: {1}',
    summary:
      'A value of the wrong type or outside what the key accepts: `http2 = "yes"`, a bad socket address, log level or IP list, a TLS file that does not exist.',
  },
  PCM6005: {
    severity: 'error',
    message: '{0} is set but {1} is not; TLS needs both or neither',
    summary: 'Only one of `tls_cert` and `tls_key` is set in `[server]`.',
  },
  PCM6006: {
    severity: 'error',
    message: 'cannot {0} config file: {1}',
    summary: 'config.toml exists but could not be read (or, for `config repair`, written back).',
  },
} as const satisfies Record<string, CatalogueEntry>;

export type DiagnosticCode = keyof typeof catalogue;

export const allCodes = Object.keys(catalogue) as DiagnosticCode[];
