#!/usr/bin/env node
// Deploys one environment: builds the Lambda zips, runs Terraform in infra/envs/<env>, and
// writes the web demo's configuration from the Terraform outputs.
//
//   node scripts/deploy.mjs <dev|prod> [--plan] [--auto-approve] [--skip-build]
//
//   --plan          init, validate and plan only (writes infra/envs/<env>/tfplan, no config)
//   --auto-approve  apply without asking (CI)
//   --skip-build    use the zips already in dist/lambda
//
// Environment: TF_STATE_BUCKET (required: the S3 bucket holding the state), TF_STATE_REGION
// (the bucket's region; default AWS_REGION, else eu-west-1), AWS credentials as usual, and
// terraform >= 1.10 on the PATH.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ENVIRONMENTS = ['dev', 'prod'];
export const LAMBDA_PACKAGES = ['message-filter', 'history-api', 'authorizer'];
export const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
export const webDemoConfigPath = join(root, 'apps', 'web-demo', 'public', 'config.json');

export class DeployError extends Error {
  constructor(code, message) {
    super(message);
    this.name = 'DeployError';
    this.code = code;
  }
}

const USAGE = 'usage: node scripts/deploy.mjs <dev|prod> [--plan] [--auto-approve] [--skip-build]';
const FLAGS = new Map([
  ['--plan', 'plan'],
  ['--auto-approve', 'autoApprove'],
  ['--skip-build', 'skipBuild'],
]);

/** Reads the command line; throws a DeployError with code `usage` on anything unexpected. */
export function parseArgs(argv) {
  const options = { env: undefined, plan: false, autoApprove: false, skipBuild: false };
  for (const arg of argv) {
    if (FLAGS.has(arg)) options[FLAGS.get(arg)] = true;
    else if (ENVIRONMENTS.includes(arg) && options.env === undefined) options.env = arg;
    else throw new DeployError('usage', `unexpected argument ${JSON.stringify(arg)}\n${USAGE}`);
  }
  if (options.env === undefined) throw new DeployError('usage', USAGE);
  if (options.plan && options.autoApprove) {
    throw new DeployError('usage', '--plan and --auto-approve do not go together');
  }
  return options;
}

/** The Terraform commands for one run, in order, as argument lists. */
export function terraformCommands(options, state) {
  const chdir = `-chdir=${join('infra', 'envs', options.env)}`;
  const init = [
    chdir,
    'init',
    '-input=false',
    `-backend-config=bucket=${state.bucket}`,
    `-backend-config=region=${state.region}`,
  ];
  const validate = [chdir, 'validate'];
  if (options.plan) return [init, validate, [chdir, 'plan', '-input=false', '-out=tfplan']];
  const apply = [chdir, 'apply', '-input=false', ...(options.autoApprove ? ['-auto-approve'] : [])];
  return [init, validate, apply, [chdir, 'output', '-json']];
}

/** Where the state lives, from the environment; throws when the bucket is missing. */
export function stateLocation(env) {
  const bucket = env.TF_STATE_BUCKET;
  if (!bucket || !/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(bucket)) {
    throw new DeployError('config', 'TF_STATE_BUCKET must name the S3 bucket that holds the state');
  }
  return { bucket, region: env.TF_STATE_REGION || env.AWS_REGION || 'eu-west-1' };
}

function rawOutput(outputs, name) {
  return Object.hasOwn(outputs ?? {}, name) ? outputs[name]?.value : undefined;
}

function outputValue(outputs, name, pattern) {
  const value = rawOutput(outputs, name);
  if (typeof value !== 'string' || !pattern.test(value)) {
    throw new DeployError('outputs', `terraform output ${name} is missing or not like ${pattern}`);
  }
  return value;
}

function outputCount(outputs, name, max) {
  const value = rawOutput(outputs, name);
  if (!Number.isInteger(value) || value < 1 || value > max) {
    throw new DeployError('outputs', `terraform output ${name} must be a whole number 1-${max}`);
  }
  return value;
}

/**
 * `terraform output -json` → the web demo's settings (apps/web-demo/src/settings.ts):
 * `{ endpoint, authorizerName, apiUrl, topicPrefix, maxTextLength }`.
 */
export function webDemoConfig(outputs) {
  return {
    endpoint: outputValue(outputs, 'websocket_url', /^wss:\/\/[a-z0-9.-]+\/mqtt$/),
    authorizerName: outputValue(outputs, 'authorizer_name', /^[\w=,@-]{1,128}$/),
    apiUrl: outputValue(outputs, 'api_url', /^https:\/\/[a-z0-9.-]+$/),
    topicPrefix: outputValue(outputs, 'topic_prefix', /^[A-Za-z0-9_-]{1,32}$/),
    maxTextLength: outputCount(outputs, 'max_text_length', 4000),
  };
}

export function writeWebDemoConfig(path, config) {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, `${JSON.stringify(config, null, 2)}\n`);
}

function run(command, args, { capture = false } = {}) {
  console.error(`$ ${command} ${args.join(' ')}`);
  const result = spawnSync(command, args, {
    cwd: root,
    stdio: capture ? ['inherit', 'pipe', 'inherit'] : 'inherit',
    encoding: 'utf8',
  });
  if (result.error) throw new DeployError('spawn', `${command}: ${result.error.message}`);
  if (result.status !== 0) {
    throw new DeployError('command', `${command} ${args[0]} … exited with ${result.status}`);
  }
  return result.stdout;
}

function build() {
  const filters = LAMBDA_PACKAGES.map((name) => `--filter=@game-chat/${name}`);
  run('pnpm', ['exec', 'turbo', 'run', 'build', ...filters]);
}

function checkZips() {
  for (const name of LAMBDA_PACKAGES) {
    const zip = join(root, 'dist', 'lambda', `${name}.zip`);
    if (!existsSync(zip)) {
      throw new DeployError('artifacts', `${relative(root, zip)} is missing: run pnpm build`);
    }
  }
}

async function main(argv) {
  const options = parseArgs(argv);
  const state = stateLocation(process.env);
  if (!options.skipBuild) build();
  checkZips();
  let outputs;
  for (const args of terraformCommands(options, state)) {
    const stdout = run('terraform', args, { capture: args[1] === 'output' });
    if (args[1] === 'output') outputs = JSON.parse(stdout);
  }
  if (options.plan) return;
  const config = webDemoConfig(outputs);
  writeWebDemoConfig(webDemoConfigPath, config);
  console.error(`wrote ${relative(root, webDemoConfigPath)}: ${JSON.stringify(config)}`);
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main(process.argv.slice(2)).catch((error) => {
    console.error(error instanceof DeployError ? `deploy: ${error.message}` : error);
    process.exit(error instanceof DeployError && error.code === 'usage' ? 2 : 1);
  });
}
