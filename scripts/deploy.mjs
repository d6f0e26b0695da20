#!/usr/bin/env node
// Deploys one environment: builds the Lambda zips, runs Terraform in infra/envs/<env>, checks
// the account's Lambda concurrency quota against the plan, applies exactly that plan, promotes
// signing keys that the apply deployed, and writes the web demo's configuration.
//
//   node scripts/deploy.mjs <dev|prod> [--plan] [--auto-approve] [--skip-build]
//   node scripts/deploy.mjs keys <dev|prod>
//
//   --plan          init, validate, plan and the quota check only (writes infra/envs/<env>/tfplan)
//   --auto-approve  apply the plan without asking (CI)
//   --skip-build    use the zips already built (packages/<fn>/dist/lambda.zip)
//   keys            create the environment's signing key pairs: the private keys go straight
//                   into their Secrets Manager secrets (created by infra/bootstrap), the public
//                   keys into infra/envs/<env>/keys/ to commit. infra/README.md, "Keys".
//
// Environment: TF_STATE_BUCKET (required for deploys: the S3 bucket holding the state),
// TF_STATE_REGION (the bucket's region; default AWS_REGION, else eu-west-1), AWS credentials as
// usual, terraform >= 1.11 and the AWS CLI v2 on the PATH.
import { spawnSync } from 'node:child_process';
import { createHash, createPublicKey, generateKeyPairSync } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { createInterface } from 'node:readline/promises';
import { fileURLToPath } from 'node:url';

export const ENVIRONMENTS = ['dev', 'prod'];
export const LAMBDA_PACKAGES = ['message-filter', 'chat-api', 'authorizer'];
export const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
export const webDemoConfigPath = join(root, 'apps', 'web-demo', 'public', 'config.json');

/** AWS keeps this many concurrent executions of an account unreserved (PutFunctionConcurrency). */
export const MINIMUM_UNRESERVED_CONCURRENCY = 100;

/**
 * The signing key pairs of an environment. `authorizer`: RSA, as IoT Core verifies custom
 * authorizer token signatures (base64 RSA-SHA256); every public key in the folder is trusted,
 * so a rotation overlaps. `player-token`: ES256 player tokens, only in the environments whose
 * main.tf reads keys/player-token.pem (a test keeps this list equal to them).
 */
export const KEY_PAIRS = {
  authorizer: {
    secretSuffix: 'authorizer-signing-key',
    environments: ENVIRONMENTS,
    generate: () => generateKeyPairSync('rsa', { modulusLength: 2048 }),
    publicKeyPath: (env, keyName) =>
      join(root, 'infra', 'envs', env, 'keys', 'authorizer', `${keyName}.pem`),
    publicKeyFiles: (env) => pemFiles(join(root, 'infra', 'envs', env, 'keys', 'authorizer')),
  },
  'player-token': {
    secretSuffix: 'player-token-key',
    environments: ['prod'],
    generate: () => generateKeyPairSync('ec', { namedCurve: 'P-256' }),
    publicKeyPath: (env) => join(root, 'infra', 'envs', env, 'keys', 'player-token.pem'),
    publicKeyFiles: (env) =>
      [join(root, 'infra', 'envs', env, 'keys', 'player-token.pem')].filter(existsSync),
  },
};

export class DeployError extends Error {
  constructor(code, message) {
    super(message);
    this.name = 'DeployError';
    this.code = code;
  }
}

const USAGE = [
  'usage: node scripts/deploy.mjs <dev|prod> [--plan] [--auto-approve] [--skip-build]',
  '       node scripts/deploy.mjs keys <dev|prod>',
].join('\n');
const FLAGS = new Map([
  ['--plan', 'plan'],
  ['--auto-approve', 'autoApprove'],
  ['--skip-build', 'skipBuild'],
]);

/** Reads the command line; throws a DeployError with code `usage` on anything unexpected. */
export function parseArgs(argv) {
  if (argv[0] === 'keys') {
    const [, env, ...rest] = argv;
    if (!ENVIRONMENTS.includes(env) || rest.length > 0) throw new DeployError('usage', USAGE);
    return { command: 'keys', env };
  }
  const options = {
    command: 'deploy',
    env: undefined,
    plan: false,
    autoApprove: false,
    skipBuild: false,
  };
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

/**
 * The Terraform commands of one run, in order, as argument lists: the plan is saved, read back
 * as JSON for the quota check, and that very plan is applied. With a committed
 * .terraform.lock.hcl, init refuses to pick other provider versions than it names.
 */
export function terraformCommands(options, state, { lockFileCommitted = false } = {}) {
  const chdir = `-chdir=${join('infra', 'envs', options.env)}`;
  const init = [
    chdir,
    'init',
    '-input=false',
    ...(lockFileCommitted ? ['-lockfile=readonly'] : []),
    `-backend-config=bucket=${state.bucket}`,
    `-backend-config=region=${state.region}`,
  ];
  const validate = [chdir, 'validate'];
  // A plan waits for a running apply's state lock instead of failing at once.
  const plan = [chdir, 'plan', '-input=false', '-lock-timeout=10m', '-out=tfplan'];
  const show = [chdir, 'show', '-json', 'tfplan'];
  if (options.plan) return [init, validate, plan, show];
  const apply = [chdir, 'apply', '-input=false', '-lock-timeout=10m', 'tfplan'];
  return [init, validate, plan, show, apply, [chdir, 'output', '-json']];
}

/** Where the state lives, from the environment; throws when the bucket is missing. */
export function stateLocation(env) {
  const bucket = env.TF_STATE_BUCKET;
  if (!bucket || !/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(bucket)) {
    throw new DeployError('config', 'TF_STATE_BUCKET must name the S3 bucket that holds the state');
  }
  return { bucket, region: env.TF_STATE_REGION || env.AWS_REGION || 'eu-west-1' };
}

const reserved = (values) =>
  Number.isInteger(values?.reserved_concurrent_executions) &&
  values.reserved_concurrent_executions > 0
    ? values.reserved_concurrent_executions
    : 0;

/**
 * Checks a plan (`terraform show -json`) against `aws lambda get-account-settings`: the
 * reserved concurrency the plan adds must leave the account 100 unreserved executions, or
 * PutFunctionConcurrency fails half-way through the apply. Returns the added reservation.
 */
export function checkConcurrencyQuota(plan, settings, env) {
  const added = (plan?.resource_changes ?? [])
    .filter((change) => change.type === 'aws_lambda_function')
    .reduce((sum, { change }) => sum + reserved(change?.after) - reserved(change?.before), 0);
  const limit = settings?.AccountLimit?.ConcurrentExecutions;
  const unreserved = settings?.AccountLimit?.UnreservedConcurrentExecutions;
  if (!Number.isInteger(limit) || !Number.isInteger(unreserved)) {
    throw new DeployError('quota', 'aws lambda get-account-settings returned no AccountLimit');
  }
  const spare = unreserved - MINIMUM_UNRESERVED_CONCURRENCY;
  if (added > 0 && added > spare) {
    throw new DeployError(
      'quota',
      `the ${env} plan reserves ${added} more concurrent Lambda executions, but the account's limit is ${limit} with ${unreserved} unreserved, and AWS keeps ${MINIMUM_UNRESERVED_CONCURRENCY} unreserved: ask Service Quotas for a Lambda "Concurrent executions" limit of at least ${limit + added - spare}, or lower functions.reserved_concurrency in infra/envs/${env}/main.tf`,
    );
  }
  return added;
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
 * `{ endpoint, authorizerName, tokenKeyName, apiUrl, topicPrefix, maxTextLength }`.
 */
export function webDemoConfig(outputs) {
  return {
    endpoint: outputValue(outputs, 'websocket_url', /^wss:\/\/[a-z0-9.-]+\/mqtt$/),
    authorizerName: outputValue(outputs, 'authorizer_name', /^[\w=,@-]{1,128}$/),
    tokenKeyName: outputValue(outputs, 'authorizer_token_key_name', /^[A-Za-z0-9_-]{1,128}$/),
    apiUrl: outputValue(outputs, 'api_url', /^https:\/\/[a-z0-9.-]+$/),
    topicPrefix: outputValue(outputs, 'topic_prefix', /^[A-Za-z0-9_-]{1,32}$/),
    maxTextLength: outputCount(outputs, 'max_text_length', 4000),
  };
}

export function writeWebDemoConfig(path, config) {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, `${JSON.stringify(config, null, 2)}\n`);
}

function pemFiles(dir) {
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((name) => name.endsWith('.pem'))
    .sort()
    .map((name) => join(dir, name));
}

/** The key pairs an environment uses. */
export function keyPairsOf(env) {
  return Object.entries(KEY_PAIRS).filter(([, spec]) => spec.environments.includes(env));
}

/** `game-chat-<env>-<suffix>`: the secret infra/bootstrap creates for a key pair. */
export function keySecretName(env, spec) {
  return `game-chat-${env}-${spec.secretSuffix}`;
}

/**
 * SHA-256 of a public key's SubjectPublicKeyInfo, in hex. It names the key and is the
 * Secrets Manager version id of its private half, so the public file in the repository and
 * the private version in the secret can be matched without reading the secret.
 */
export function publicKeyFingerprint(publicKeyPem) {
  const der = createPublicKey(publicKeyPem).export({ type: 'spki', format: 'der' });
  return createHash('sha256').update(der).digest('hex');
}

/** A new key pair as PEM strings, with its key name and its secret version id. */
export function createKeyPair(spec) {
  const { privateKey, publicKey } = spec.generate();
  const publicKeyPem = publicKey.export({ type: 'spki', format: 'pem' });
  const fingerprint = publicKeyFingerprint(publicKeyPem);
  return {
    privateKeyPem: privateKey.export({ type: 'pkcs8', format: 'pem' }),
    publicKeyPem,
    keyName: `k-${fingerprint.slice(0, 16)}`,
    versionId: fingerprint,
  };
}

/**
 * The staging label for a new private key: AWSCURRENT while the secret has none (nothing signs
 * yet), else AWSPENDING, so the issuer keeps signing with the old key until the apply that
 * deploys the new public key promotes it.
 */
export function stageForNewKey(versions) {
  const hasCurrent = versions.some((v) => v.VersionStages?.includes('AWSCURRENT'));
  return hasCurrent ? 'AWSPENDING' : 'AWSCURRENT';
}

/**
 * After an apply: the AWSPENDING version to promote to AWSCURRENT, if its public key is now
 * deployed (its fingerprint is among `deployedFingerprints`); null when there is none.
 */
export function pendingPromotion(versions, deployedFingerprints) {
  const pending = versions.find((v) => v.VersionStages?.includes('AWSPENDING'));
  if (!pending || !deployedFingerprints.includes(pending.VersionId)) return null;
  const current = versions.find((v) => v.VersionStages?.includes('AWSCURRENT'));
  return { pendingId: pending.VersionId, currentId: current?.VersionId };
}

/** The AWS CLI calls that move AWSCURRENT to the pending version and drop its AWSPENDING label. */
export function promotionCommands(secretId, { pendingId, currentId }) {
  const stage = ['secretsmanager', 'update-secret-version-stage', '--secret-id', secretId];
  return [
    [
      ...stage,
      '--version-stage',
      'AWSCURRENT',
      '--move-to-version-id',
      pendingId,
      ...(currentId ? ['--remove-from-version-id', currentId] : []),
    ],
    [...stage, '--version-stage', 'AWSPENDING', '--remove-from-version-id', pendingId],
  ];
}

/** Public key files a deploy of `env` needs; throws naming the keys command when one is missing. */
export function checkPublicKeys(env) {
  for (const [name, spec] of keyPairsOf(env)) {
    if (spec.publicKeyFiles(env).length === 0) {
      throw new DeployError(
        'keys',
        `infra/envs/${env}/keys has no ${name} public key: run node scripts/deploy.mjs keys ${env} first (infra/README.md, Keys)`,
      );
    }
  }
}

function run(command, args, { capture = false, input } = {}) {
  console.error(`$ ${command} ${args.join(' ')}`);
  const result = spawnSync(command, args, {
    cwd: root,
    input,
    stdio: [input === undefined ? 'inherit' : 'pipe', capture ? 'pipe' : 'inherit', 'inherit'],
    encoding: 'utf8',
  });
  if (result.error) throw new DeployError('spawn', `${command}: ${result.error.message}`);
  if (result.status !== 0) {
    throw new DeployError('command', `${command} ${args[0]} … exited with ${result.status}`);
  }
  return result.stdout;
}

const aws = (args, options) => JSON.parse(run('aws', [...args, '--output', 'json'], options));

function secretVersions(secretId) {
  try {
    return (
      aws(['secretsmanager', 'list-secret-version-ids', '--secret-id', secretId]).Versions ?? []
    );
  } catch (error) {
    if (!(error instanceof DeployError)) throw error;
    throw new DeployError(
      'keys',
      `cannot list the versions of secret ${secretId} (see the AWS CLI's message above): infra/bootstrap creates it; apply that first, with these credentials' account and Region`,
    );
  }
}

/** `keys <env>`: one new pair per key kind; the private key is piped to the AWS CLI's stdin. */
function createKeys(env) {
  for (const [name, spec] of keyPairsOf(env)) {
    const secretId = keySecretName(env, spec);
    const stage = stageForNewKey(secretVersions(secretId));
    const pair = createKeyPair(spec);
    run(
      'aws',
      [
        'secretsmanager',
        'put-secret-value',
        '--secret-id',
        secretId,
        '--client-request-token',
        pair.versionId,
        '--secret-string',
        'file:///dev/stdin',
        '--version-stages',
        stage,
      ],
      { input: pair.privateKeyPem, capture: true },
    );
    const path = spec.publicKeyPath(env, pair.keyName);
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, pair.publicKeyPem);
    console.error(
      `${name}: private key in ${secretId} as ${stage}; public key in ${relative(root, path)}`,
    );
  }
  console.error(
    `Commit infra/envs/${env}/keys and deploy: the apply promotes pending keys to AWSCURRENT.`,
  );
}

/** After an apply: promotes each AWSPENDING private key whose public key is now deployed. */
function promoteDeployedKeys(env) {
  for (const [name, spec] of keyPairsOf(env)) {
    const secretId = keySecretName(env, spec);
    const deployed = spec
      .publicKeyFiles(env)
      .map((path) => publicKeyFingerprint(readFileSync(path, 'utf8')));
    const promotion = pendingPromotion(secretVersions(secretId), deployed);
    if (!promotion) continue;
    for (const args of promotionCommands(secretId, promotion)) run('aws', args, { capture: true });
    console.error(`${name}: the new key in ${secretId} is AWSCURRENT now`);
  }
}

async function confirm(question) {
  const prompt = createInterface({ input: process.stdin, output: process.stderr });
  try {
    return (await prompt.question(question)).trim() === 'yes';
  } finally {
    prompt.close();
  }
}

function build() {
  const filters = LAMBDA_PACKAGES.map((name) => `--filter=@game-chat/${name}`);
  run('pnpm', ['exec', 'turbo', 'run', 'build', ...filters]);
}

function checkZips() {
  for (const name of LAMBDA_PACKAGES) {
    const zip = join(root, 'packages', name, 'dist', 'lambda.zip');
    if (!existsSync(zip)) {
      throw new DeployError('artifacts', `${relative(root, zip)} is missing: run pnpm build`);
    }
  }
}

async function deploy(options) {
  const state = stateLocation(process.env);
  checkPublicKeys(options.env);
  if (!options.skipBuild) build();
  checkZips();
  const lockFileCommitted = existsSync(
    join(root, 'infra', 'envs', options.env, '.terraform.lock.hcl'),
  );
  let outputs;
  for (const args of terraformCommands(options, state, { lockFileCommitted })) {
    const command = args[1];
    if (command === 'apply' && !options.autoApprove) {
      if (!(await confirm(`Apply this plan to ${options.env}? Only 'yes' applies: `))) {
        throw new DeployError('cancelled', 'apply cancelled');
      }
    }
    const stdout = run('terraform', args, { capture: command === 'output' || command === 'show' });
    if (command === 'show') {
      const added = checkConcurrencyQuota(
        JSON.parse(stdout),
        aws(['lambda', 'get-account-settings']),
        options.env,
      );
      console.error(`concurrency quota: ok (the plan reserves ${added} more)`);
    }
    if (command === 'output') outputs = JSON.parse(stdout);
  }
  if (options.plan) return;
  promoteDeployedKeys(options.env);
  const config = webDemoConfig(outputs);
  writeWebDemoConfig(webDemoConfigPath, config);
  console.error(`wrote ${relative(root, webDemoConfigPath)}: ${JSON.stringify(config)}`);
}

async function main(argv) {
  const options = parseArgs(argv);
  if (options.command === 'keys') createKeys(options.env);
  else await deploy(options);
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main(process.argv.slice(2)).catch((error) => {
    console.error(error instanceof DeployError ? `deploy: ${error.message}` : error);
    process.exit(error instanceof DeployError && error.code === 'usage' ? 2 : 1);
  });
}
