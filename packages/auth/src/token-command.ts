import { parseArgs } from 'node:util';
import { isRole } from '@game-chat/protocol/names';
import { DEVELOPMENT_TOKEN_SECRET, issuePlayerToken, TokenKeyError } from './tokens.js';

export const USAGE = `usage: game-chat-token <playerId> [--name N] [--role player|moderator|admin]
                      [--channels a,b,Town*] [--ttl seconds]

Prints a player token signed with CHAT_TOKEN_SECRET (HS256). When CHAT_TOKEN_SECRET is unset
it signs with the local stack's development secret, which only the local stack accepts.`;

const DEFAULT_TTL_SECONDS = 3600;

export interface CommandOutput {
  readonly exitCode: number;
  readonly stdout: string;
  readonly stderr: string;
}

const usageError = (message: string): CommandOutput => ({
  exitCode: 2,
  stdout: '',
  stderr: `${message}\n${USAGE}\n`,
});

/** The `game-chat-token` command, without touching the process: argv and env in, text out. */
export async function runTokenCommand(
  argv: readonly string[],
  env: Readonly<Record<string, string | undefined>>,
): Promise<CommandOutput> {
  let parsed: ReturnType<typeof parse>;
  try {
    parsed = parse(argv);
  } catch (error) {
    return usageError((error as Error).message);
  }
  const { values, positionals } = parsed;
  if (values.help) return { exitCode: 0, stdout: `${USAGE}\n`, stderr: '' };
  const [playerId, ...extra] = positionals;
  if (playerId === undefined || extra.length > 0) return usageError('give exactly one player id');
  const { role } = values;
  if (role !== undefined && !isRole(role)) {
    return usageError('--role must be player, moderator or admin');
  }
  const ttl = values.ttl === undefined ? DEFAULT_TTL_SECONDS : Number(values.ttl);
  if (!Number.isInteger(ttl) || ttl < 1) return usageError('--ttl must be a positive whole number');

  const configured = env.CHAT_TOKEN_SECRET;
  const secret = configured || DEVELOPMENT_TOKEN_SECRET;
  const warning = configured
    ? ''
    : 'CHAT_TOKEN_SECRET is not set: signed with the local development secret\n';
  try {
    const token = await issuePlayerToken(
      {
        sub: playerId,
        ...(values.name !== undefined && { name: values.name }),
        ...(role !== undefined && { role }),
        ...(values.channels !== undefined && { channels: values.channels.split(',') }),
      },
      { secret },
      { expiresInSeconds: ttl },
    );
    return { exitCode: 0, stdout: `${token}\n`, stderr: warning };
  } catch (error) {
    if (error instanceof TypeError || error instanceof TokenKeyError) {
      return { exitCode: 1, stdout: '', stderr: `${error.message}\n` };
    }
    throw error;
  }
}

function parse(argv: readonly string[]) {
  return parseArgs({
    args: [...argv],
    allowPositionals: true,
    strict: true,
    options: {
      name: { type: 'string' },
      role: { type: 'string' },
      channels: { type: 'string' },
      ttl: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
}
