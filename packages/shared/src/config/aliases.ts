/**
 * chatgpt-dingtalk's variable names, so its users can switch without renaming their settings.
 * Ours win when both are set; each alias used is reported so start-up can log it.
 */
type Convert = (value: string, env: Record<string, string>) => string | undefined;

interface Alias {
  theirs: string;
  ours: string;
  convert?: Convert;
}

const toSeconds: Convert = (value) => {
  const match = /^(\d+)\s*(s|m|h)?$/i.exec(value);
  if (!match) return value; // left as is, so validation names the bad value
  const unit = (match[2] ?? 's').toLowerCase();
  return String(Number(match[1]) * (unit === 'h' ? 3600 : unit === 'm' ? 60 : 1));
};

const withV1: Convert = (value) => (/\/v\d+\/?$/.test(value) ? value : `${value.replace(/\/+$/, '')}/v1`);

const ALIASES: readonly Alias[] = [
  { theirs: 'APIKEY', ours: 'OPENAI_API_KEY' },
  { theirs: 'BASE_URL', ours: 'OPENAI_BASE_URL', convert: withV1 },
  { theirs: 'MODEL', ours: 'OPENAI_MODEL' },
  { theirs: 'MAX_TOKENS', ours: 'OPENAI_MAX_TOKENS' },
  { theirs: 'TEMPERATURE', ours: 'OPENAI_TEMPERATURE' },
  { theirs: 'TEMPREATURE', ours: 'OPENAI_TEMPERATURE' },
  { theirs: 'SESSION_TIMEOUT', ours: 'SESSION_TTL_SECONDS', convert: toSeconds },
  { theirs: 'SESSIONTIMEOUT', ours: 'SESSION_TTL_SECONDS', convert: toSeconds },
  {
    theirs: 'DEFAULT_MODE',
    ours: 'MEMORY_SCOPE',
    convert: (value) => (value === '单聊' ? 'none' : value === '串聊' ? 'user' : value),
  },
  { theirs: 'HELP', ours: 'HELP_TEXT' },
  // Their VIP_USERS, read under the same name, are exempt from it as ours are.
  { theirs: 'MAX_REQUEST', ours: 'QUOTA_USER_DAILY' },
  { theirs: 'ALLOW_GROUPS', ours: 'ACCESS_ALLOW_GROUPS' },
  { theirs: 'ALLOW_USERS', ours: 'ACCESS_ALLOW_USERS' },
  { theirs: 'DENY_USERS', ours: 'ACCESS_DENY_USERS' },
  { theirs: 'AZURE_ON', ours: 'OPENAI_PROVIDER', convert: (value) => (/^(true|1|yes|on)$/i.test(value) ? 'azure' : undefined) },
  {
    theirs: 'AZURE_RESOURCE_NAME',
    ours: 'AZURE_OPENAI_ENDPOINT',
    // A bare resource name; anything else is left for validation to name.
    convert: (value) => (/^[a-z0-9-]+$/i.test(value) ? `https://${value}.openai.azure.com` : value),
  },
  { theirs: 'AZURE_DEPLOYMENT_NAME', ours: 'AZURE_OPENAI_DEPLOYMENT' },
  { theirs: 'AZURE_API_VERSION', ours: 'OPENAI_API_VERSION' },
  { theirs: 'AZURE_OPENAI_TOKEN', ours: 'AZURE_OPENAI_API_KEY' },
  { theirs: 'RUN_MODE', ours: 'DINGTALK_MODE' },
  {
    theirs: 'SESSION_CLEAR_TOKEN',
    ours: 'RESET_COMMANDS',
    convert: (value, env) => `${env.RESET_COMMANDS ?? '/reset,重置,清空会话'},${value}`,
  },
];

/** Each of their names with the one of ours it sets (the README's configuration table names both). */
export function aliasNames(): { theirs: string; ours: string }[] {
  return ALIASES.map(({ theirs, ours }) => ({ theirs, ours }));
}

export interface AliasResult {
  env: Record<string, string>;
  used: { theirs: string; ours: string }[];
}

export function applyAliases(env: Record<string, string>): AliasResult {
  const result = { ...env };
  const used: { theirs: string; ours: string }[] = [];
  for (const alias of ALIASES) {
    const value = env[alias.theirs];
    if (value === undefined) continue;
    // SESSION_CLEAR_TOKEN adds to RESET_COMMANDS rather than competing with it.
    const merges = alias.theirs === 'SESSION_CLEAR_TOKEN';
    if (!merges && (env[alias.ours] !== undefined || used.some((u) => u.ours === alias.ours))) continue;
    const converted = alias.convert ? alias.convert(value, result) : value;
    if (converted === undefined) continue;
    result[alias.ours] = converted;
    used.push({ theirs: alias.theirs, ours: alias.ours });
  }
  return { env: result, used };
}
