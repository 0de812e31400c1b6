#!/usr/bin/env bash
# Makes sure moto, awscli and cfn-lint are available. Installs the pinned versions from
# requirements-dev.txt only for what is missing, so a machine that ships them never touches PyPI, and an
# `aws` already on the PATH (an AWS CLI v2, say) is kept rather than shadowed by pip's awscli v1.
set -euo pipefail
cd "$(dirname "$0")/.."
missing=()
python3 -c 'import moto.server, flask' 2>/dev/null || missing+=("moto[server]")
command -v aws >/dev/null 2>&1 || missing+=("awscli")
command -v cfn-lint >/dev/null 2>&1 || missing+=("cfn-lint")
if ((${#missing[@]} == 0)); then
  echo "python tools present: moto $(python3 -c 'import moto; print(moto.__version__)'), $(aws --version 2>&1 | cut -d' ' -f1), cfn-lint $(cfn-lint --version | cut -d' ' -f2)"
  exit 0
fi
echo "missing: ${missing[*]}; installing from requirements-dev.txt"
pattern=$(printf '%s\n' "${missing[@]}" | sed 's/\[.*//' | paste -sd'|')
grep -E "^(${pattern})(\[|==)" requirements-dev.txt | python3 -m pip install -r /dev/stdin
