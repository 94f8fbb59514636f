import { GLOBAL_FLAGS, type CommandSpec } from './command-spec.js';

/**
 * Shell completion scripts generated from the command table, so they cannot drift from it:
 * commands, their sub-command words and flags, and resource types after get/describe/delete.
 */
export function completionScript(shell: 'bash' | 'zsh', commands: readonly CommandSpec[]): string {
  const cases = commands.map((c) => {
    const flags = Object.entries({ ...c.flags, ...GLOBAL_FLAGS })
      .filter(([, f]) => !f.hidden)
      .map(([name]) => `--${name}`);
    const words =
      c.args[0]?.choices ?? (['get', 'describe', 'delete'].includes(c.name) ? ['functions', 'triggers', 'pods', 'revisions', 'namespaces', 'nodes'] : []);
    return `    ${c.name}) words="${[...words, ...flags].join(' ')}" ;;`;
  });
  const body = `_tide() {
  local cur="\${COMP_WORDS[COMP_CWORD]}" words
  if [ "$COMP_CWORD" -eq 1 ]; then
    COMPREPLY=($(compgen -W "${commands.map((c) => c.name).join(' ')}" -- "$cur"))
    return
  fi
  case "\${COMP_WORDS[1]}" in
${cases.join('\n')}
    *) words="" ;;
  esac
  COMPREPLY=($(compgen -W "$words" -- "$cur"))
}
complete -o default -F _tide tide
`;
  // zsh runs bash completion functions through bashcompinit.
  return shell === 'bash' ? body : `autoload -U +X bashcompinit && bashcompinit\n${body}`;
}
