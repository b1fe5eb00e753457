/**
 * `mcp-oauth completion bash|zsh|fish`: shell completion scripts, generated from the
 * command table (every command, its options and the global ones), so they never drift
 * from the CLI. Server names are completed by asking `mcp-oauth ls --json`.
 *
 * Over 400 lines on purpose: three shells' completion scripts, each generated from the same
 * command table; they are text more than code.
 * @module
 */
import { CATALOG } from "../../catalog/catalog.ts";
import { GLOBAL_OPTIONS, usageError } from "../args.ts";
import type { Command } from "../command.ts";

const SHELLS = ["bash", "zsh", "fish"] as const;
type Shell = typeof SHELLS[number];

export const completion: Command = {
  name: "completion",
  summary: "print a shell completion script (bash, zsh or fish)",
  usage: "completion <bash|zsh|fish>",
  details: `Prints a completion script for commands, options, option values (--store,
--compat, --browser, --home), the catalog's names (add) and your servers' names
(completed by running "mcp-oauth ls --json").

Examples:
  source <(mcp-oauth completion bash)                 # in ~/.bashrc
  mcp-oauth completion zsh > "\${fpath[1]}/_mcp-oauth"  # then restart zsh
  mcp-oauth completion fish > ~/.config/fish/completions/mcp-oauth.fish`,
  options: {},
  positionals: { min: 1, max: 1, names: "a shell: bash, zsh or fish" },
  usesStore: false,
  async run(ctx, args) {
    const shell = args.positionals[0]!;
    if (!(SHELLS as readonly string[]).includes(shell)) {
      throw usageError("completion", `no completion for "${shell}"; use bash, zsh or fish`);
    }
    // The command table imports this file: read it once everything is loaded.
    const { loadCommands } = await import("./index.ts");
    ctx.io.out(completionScript(shell as Shell, [...(await loadCommands()).values()]));
    return 0;
  },
};

/** What completes a command's Nth positional argument. */
type PositionalKind = "servers" | "catalog" | "files" | string[];

/** A command as the completion scripts see it. */
interface Spec {
  name: string;
  summary: string;
  /** --name → takes a value?, description. */
  options: { flag: string; value: boolean; description: string }[];
  positionals: PositionalKind[];
}

/** Values offered after an option that takes one; "dirs" completes directories. */
const OPTION_VALUES: Record<string, string[] | "dirs"> = {
  store: [
    "file",
    "docker",
    "helper:pass",
    "helper:secretservice",
    "helper:osxkeychain",
    "helper:wincred",
    "helper:desktop",
  ],
  compat: ["docker"],
  browser: ["none"],
  home: "dirs",
};

const GLOBAL_HELP: Record<string, string> = {
  home: "where config and credentials live",
  store: "the credential store: file, helper:NAME or docker",
  "insecure-http": "allow plain http to non-loopback servers",
  help: "show the command's help",
};

function positionalsOf(c: Command, commandNames: string[]): PositionalKind[] {
  switch (c.name) {
    case "add":
    case "catalog":
      return ["catalog"];
    case "completion":
      return [[...SHELLS]];
    case "import":
      return [["docker", "docker-catalog"], "files"];
    case "remove":
      return ["servers"];
    case "help":
      return [commandNames];
  }
  return c.positionals.max > 0 && /server/.test(c.positionals.names) ? ["servers"] : [];
}

/** Option descriptions from a command's help text ("  --flag VALUE   text"). */
function describedOptions(details: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const m of details.matchAll(/^ {2}--([a-z][a-z-]*)[^\n]*?\s{2,}(\S[^\n]*)$/gm)) {
    if (!out.has(m[1]!)) out.set(m[1]!, m[2]!.trim().replace(/[;,:]$/, ""));
  }
  return out;
}

function specs(commands: Command[]): Spec[] {
  const names = commands.map((c) => c.name);
  const list = commands.map((c) => {
    const help = describedOptions(c.details);
    const options = Object.entries({ ...c.options, ...GLOBAL_OPTIONS }).map(([flag, o]) => ({
      flag,
      value: o.type === "string",
      description: help.get(flag) ?? GLOBAL_HELP[flag] ?? "",
    }));
    return {
      name: c.name,
      summary: c.summary,
      options,
      positionals: positionalsOf(c, names),
    };
  });
  list.push({
    name: "help",
    summary: "show help for a command",
    options: [],
    positionals: [names],
  });
  return list;
}

/** The completion script for `shell`, covering `commands`. */
export function completionScript(shell: Shell, commands: Command[]): string {
  const s = specs(commands);
  return shell === "bash" ? bash(s) : shell === "zsh" ? zsh(s) : fish(s);
}

const CATALOG_NAMES = CATALOG.map((e) => e.name).join(" ");

function words(kind: PositionalKind): string {
  return Array.isArray(kind) ? kind.join(" ") : kind === "catalog" ? CATALOG_NAMES : "";
}

/** Shell-safe single quoting (bash, zsh). */
function sq(text: string): string {
  return `'${text.replace(/'/g, `'\\''`)}'`;
}

function valueOptions(spec: Spec): string {
  return spec.options.filter((o) => o.value).map((o) => `--${o.flag}`).join(" ");
}

function allOptions(spec: Spec): string {
  return spec.options.map((o) => `--${o.flag}`).join(" ");
}

function bash(specs: Spec[]): string {
  const names = specs.map((s) => s.name).join(" ");
  const caseLines = (pick: (s: Spec) => string) =>
    specs.map((s) => `    ${s.name}) echo ${sq(pick(s))} ;;`).join("\n");
  const positional: string[] = [];
  for (const s of specs) {
    s.positionals.forEach((kind, i) => {
      const action = kind === "servers"
        ? `COMPREPLY=($(compgen -W "$(_mcp_oauth_servers "\${COMP_WORDS[0]}")" -- "$cur"))`
        : kind === "files"
        ? `COMPREPLY=($(compgen -f -- "$cur"))`
        : `COMPREPLY=($(compgen -W ${sq(words(kind))} -- "$cur"))`;
      positional.push(`    ${s.name}:${i}) ${action} ;;`);
    });
  }
  const values = Object.entries(OPTION_VALUES).map(([flag, v]) =>
    `    --${flag}) ${
      v === "dirs"
        ? `COMPREPLY=($(compgen -d -- "$cur"))`
        : `COMPREPLY=($(compgen -W ${sq(v.join(" "))} -- "$cur"))`
    } ;;`
  ).join("\n");
  return `# bash completion for mcp-oauth, generated by "mcp-oauth completion bash".
# Load it with: source <(mcp-oauth completion bash)

_mcp_oauth_value_options() {
  case "$1" in
${caseLines(valueOptions)}
    *) echo '--home --store' ;;
  esac
}

_mcp_oauth_options() {
  case "$1" in
${caseLines(allOptions)}
  esac
}

# Names of the configured servers, from "mcp-oauth ls --json" (the command being completed).
_mcp_oauth_servers() {
  "$1" ls --json 2>/dev/null | sed -n 's/^ *"name": "\\([^"]*\\)",\\{0,1\\}$/\\1/p'
}

_mcp_oauth() {
  local cur="\${COMP_WORDS[COMP_CWORD]}" prev="\${COMP_WORDS[COMP_CWORD-1]}"
  local cmd="" valopts="--home --store" i w
  local -a pos=()
  COMPREPLY=()
  for ((i = 1; i < COMP_CWORD; i++)); do
    w="\${COMP_WORDS[i]}"
    if [[ " $valopts " == *" $w "* ]]; then
      ((i++))
      [[ "\${COMP_WORDS[i]}" == "=" ]] && ((i++))
      continue
    fi
    [[ $w == -* ]] && continue
    if [[ -z $cmd ]]; then
      cmd="$w"
      valopts="$(_mcp_oauth_value_options "$cmd")"
    else
      pos+=("$w")
    fi
  done
  # --store helper:NAME: bash splits the word at ":".
  if [[ $prev == ":" && \${COMP_WORDS[COMP_CWORD-2]} == helper ]]; then
    COMPREPLY=($(compgen -W 'pass secretservice osxkeychain wincred desktop' -- "$cur"))
    return
  fi
  [[ $prev == "=" ]] && prev="\${COMP_WORDS[COMP_CWORD-2]}"
  if [[ " $valopts " == *" $prev "* ]]; then
    case "$prev" in
${values}
    esac
    return
  fi
  if [[ -z $cmd ]]; then
    if [[ $cur == -* ]]; then
      COMPREPLY=($(compgen -W '--help --version --home --store --insecure-http' -- "$cur"))
    else
      COMPREPLY=($(compgen -W ${sq(names)} -- "$cur"))
    fi
    return
  fi
  if [[ $cur == -* ]]; then
    COMPREPLY=($(compgen -W "$(_mcp_oauth_options "$cmd")" -- "$cur"))
    return
  fi
  case "$cmd:\${#pos[@]}" in
${positional.join("\n")}
  esac
}

complete -o default -F _mcp_oauth mcp-oauth
`;
}

function zsh(specs: Spec[]): string {
  const described = specs.map((s) => `    ${sq(`${s.name}:${s.summary}`)}`).join("\n");
  const optionCases = specs.map((s) => {
    const opts = s.options.map((o) =>
      sq(`--${o.flag}:${o.description || o.flag}`.replace(/\\/g, "\\\\"))
    );
    return `    ${s.name}) opts=(${opts.join(" ")}) ;;`;
  }).join("\n");
  const valueCases = specs.map((s) => `    ${s.name}) echo ${sq(valueOptions(s))} ;;`).join(
    "\n",
  );
  const positional: string[] = [];
  for (const s of specs) {
    s.positionals.forEach((kind, i) => {
      const action = kind === "servers"
        ? `compadd -- \${(f)"$(_mcp_oauth_servers "\${words[1]}")"}`
        : kind === "files"
        ? "_files"
        : `compadd -- ${words(kind)}`;
      positional.push(`    ${s.name}:${i}) ${action} ;;`);
    });
  }
  const values = Object.entries(OPTION_VALUES).map(([flag, v]) =>
    `    --${flag}) ${v === "dirs" ? "_files -/" : `compadd -- ${v.join(" ")}`} ;;`
  ).join("\n");
  return `#compdef mcp-oauth
# zsh completion for mcp-oauth, generated by "mcp-oauth completion zsh".
# Install it as a file named _mcp-oauth in a directory of $fpath, or load it with
# source <(mcp-oauth completion zsh) after compinit.

_mcp_oauth_value_options() {
  case "$1" in
${valueCases}
    *) echo '--home --store' ;;
  esac
}

# Names of the configured servers, from "mcp-oauth ls --json" (the command being completed).
_mcp_oauth_servers() {
  "$1" ls --json 2>/dev/null | sed -n 's/^ *"name": "\\([^"]*\\)",\\{0,1\\}$/\\1/p'
}

_mcp-oauth() {
  local -a commands opts pos
  local cmd="" valopts="--home --store" i w
  commands=(
${described}
  )
  for ((i = 2; i < CURRENT; i++)); do
    w=\${words[i]}
    if [[ " $valopts " == *" $w "* ]]; then
      ((i++))
      continue
    fi
    [[ $w == -* ]] && continue
    if [[ -z $cmd ]]; then
      cmd=$w
      valopts="$(_mcp_oauth_value_options "$cmd")"
    else
      pos+=("$w")
    fi
  done
  local prev=\${words[CURRENT-1]} cur=\${words[CURRENT]}
  if [[ " $valopts " == *" $prev "* ]]; then
    case $prev in
${values}
      *) _message 'value' ;;
    esac
    return
  fi
  if [[ -z $cmd ]]; then
    if [[ $cur == -* ]]; then
      compadd -- --help --version --home --store --insecure-http
    else
      _describe -t commands 'mcp-oauth command' commands
    fi
    return
  fi
  if [[ $cur == -* ]]; then
    case $cmd in
${optionCases}
    esac
    _describe -t options 'option' opts
    return
  fi
  case "$cmd:\${#pos}" in
${positional.join("\n")}
  esac
}

if [ "$funcstack[1]" = "_mcp-oauth" ]; then
  _mcp-oauth "$@"
else
  compdef _mcp-oauth mcp-oauth
fi
`;
}

/** fish single quoting. */
function fq(text: string): string {
  return `'${text.replace(/\\/g, "\\\\").replace(/'/g, "\\'")}'`;
}

function fish(specs: Spec[]): string {
  const lines: string[] = [];
  const seen = (name: string) => `'__fish_seen_subcommand_from ${name}'`;
  for (const s of specs) {
    lines.push(`complete -c mcp-oauth -n __fish_use_subcommand -a ${s.name} -d ${fq(s.summary)}`);
  }
  for (const s of specs) {
    for (const o of s.options) {
      if (o.flag in GLOBAL_OPTIONS) continue;
      const values = OPTION_VALUES[o.flag];
      const arg = !o.value
        ? ""
        : values === "dirs"
        ? " -x -a '(__fish_complete_directories)'"
        : values
        ? ` -x -a ${fq(values.join(" "))}`
        : " -x";
      lines.push(
        `complete -c mcp-oauth -n ${seen(s.name)} -l ${o.flag}${arg}${
          o.description ? ` -d ${fq(o.description)}` : ""
        }`,
      );
    }
    s.positionals.forEach((kind, i) => {
      if (i > 0 && kind !== "files") return;
      const cond = i === 0
        ? `'__fish_seen_subcommand_from ${s.name}; and __mcp_oauth_no_positional'`
        : `'__fish_seen_subcommand_from docker-catalog'`;
      const arg = kind === "servers"
        ? "-a '(__mcp_oauth_servers)'"
        : kind === "files"
        ? "-F"
        : `-a ${fq(words(kind))}`;
      lines.push(`complete -c mcp-oauth -n ${cond} ${arg}`);
    });
  }
  return `# fish completion for mcp-oauth, generated by "mcp-oauth completion fish".
# Install it: mcp-oauth completion fish > ~/.config/fish/completions/mcp-oauth.fish

# Names of the configured servers, from "mcp-oauth ls --json" (the command being completed).
function __mcp_oauth_servers
    set -l cmd (commandline -opc)[1]
    $cmd ls --json 2>/dev/null | string replace -rf '^\\s*"name": "([^"]*)",?$' '$1'
end

# True while the command has no positional argument yet (the subcommand aside).
function __mcp_oauth_no_positional
    set -l args (commandline -opc)
    set -l n 0
    set -l skip 0
    for a in $args[2..-1]
        if test $skip -eq 1
            set skip 0
            continue
        end
        switch $a
            case '--home' '--store' ${
    [...new Set(specs.flatMap((s) => s.options.filter((o) => o.value).map((o) => `'--${o.flag}'`)))]
      .join(" ")
  }
                set skip 1
            case '-*'
            case '*'
                set n (math $n + 1)
        end
    end
    test $n -le 1
end

complete -c mcp-oauth -f
complete -c mcp-oauth -s h -l help -d 'show help'
complete -c mcp-oauth -n __fish_use_subcommand -s v -l version -d 'print the version'
complete -c mcp-oauth -l home -x -a '(__fish_complete_directories)' -d ${fq(GLOBAL_HELP.home!)}
complete -c mcp-oauth -l store -x -a ${fq((OPTION_VALUES.store as string[]).join(" "))} -d ${
    fq(GLOBAL_HELP.store!)
  }
complete -c mcp-oauth -l insecure-http -d ${fq(GLOBAL_HELP["insecure-http"]!)}
${lines.join("\n")}
`;
}
