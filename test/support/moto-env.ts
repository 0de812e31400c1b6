// Points every SDK client and AWS CLI call in the test at this project's moto server, through the
// same standard variable production would use for a custom endpoint. The Python tools are the ones the
// global setup found; when they live in .venv/, the PATH finds `aws` and `cfn-lint` there too.
import { inject } from 'vitest';
import { usePythonTools, withPythonTools } from '../../toolchain/python-tools.mjs';

process.env.AWS_ENDPOINT_URL = inject('motoUrl');
const tools = inject('pythonTools');
usePythonTools(tools);
const { PATH } = withPythonTools(tools, process.env);
if (PATH !== undefined) process.env.PATH = PATH;
