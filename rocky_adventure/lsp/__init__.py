"""The language server for story and pack files: `rocky-adventure lsp`
(docs/editors.md). Built on pygls, an extra (`pip install
'rocky-adventure[lsp]'`), and on the project's own loader and lints, so
the editor and `check` never disagree.

- index.py: what each file defines and refers to, with positions
- workspace.py: the stories and packs open in the editor
- diagnostics.py, lintjob.py: `check`'s diagnostics as LSP diagnostics
- navigation.py: completion, definition, references, rename, hover, outline
- actions.py: code actions (did-you-mean, declare a variable, tabs)
- server.py: the server itself (document sync, scheduling, publishing)

This package sits beside plain/, tui/ and web/ in the layers: it may use
tools/, game/ and engine/, never cli/ or textual."""
