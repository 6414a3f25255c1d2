// Quick fixes: a diagnostic that knows its fix ("did you mean 'tools'?") carries the replacement text.
import { CodeActionKind } from 'vscode-languageserver';
import type { CodeAction, CodeActionParams } from 'vscode-languageserver';

export function quickFixes(params: CodeActionParams): CodeAction[] {
  const actions: CodeAction[] = [];
  for (const diagnostic of params.context.diagnostics) {
    const replacement = (diagnostic.data as { replacement?: unknown } | undefined)?.replacement;
    if (typeof replacement !== 'string' || diagnostic.source !== 'Agent OS') continue;
    actions.push({
      title: `Change to '${replacement}'`,
      kind: CodeActionKind.QuickFix,
      diagnostics: [diagnostic],
      isPreferred: true,
      edit: { changes: { [params.textDocument.uri]: [{ range: diagnostic.range, newText: replacement }] } },
    });
  }
  return actions;
}
