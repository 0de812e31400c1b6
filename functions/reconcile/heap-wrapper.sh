#!/bin/sh
# The reconcile function's exec wrapper (AWS_LAMBDA_EXEC_WRAPPER=/var/task/heap-wrapper.sh, set in infra/reconcile.ts).
# Lambda starts the runtime through it, passing the interpreter's path and all the runtime's original arguments
# ("Modifying the runtime environment", Wrapper scripts: https://docs.aws.amazon.com/lambda/latest/dg/runtimes-modify.html),
# for Node.js `/var/lang/bin/node <flags…> /var/runtime/index.mjs`. It runs the same command with V8's semi-spaces
# capped at 1 MiB and V8 told to favour size over speed, placed after Lambda's flags (V8 takes the last of a repeated
# flag; Lambda's command line sizes the semi-spaces at 12 MiB for 256 MB and overrides NODE_OPTIONS) and before the
# last argument, the runtime's script (so an option with a separate value, e.g. `--max-http-header-size 81920`, stays
# whole). The pass of 5,000 roles at IAM's limits then peaks at 102-109 MiB instead of 127-139 (docs/deploy.md, "Memory").
set -eu
[ "$#" -ge 2 ] || {
  echo "heap-wrapper.sh: expected <interpreter> [flags…] <script>, got: $*" >&2
  exit 2
}
count=$#
index=0
for argument in "$@"; do
  shift
  index=$((index + 1))
  [ "$index" -eq "$count" ] && set -- "$@" --max-semi-space-size=1 --optimize-for-size
  set -- "$@" "$argument"
done
exec "$@"
