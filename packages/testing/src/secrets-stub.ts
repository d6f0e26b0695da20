/** A Secrets Manager stand-in for unit tests of code that reads secrets by ARN. */
export interface SecretsStub {
  /** Answers from the values it holds; rejects with the AWS error name otherwise. */
  readonly fetch: (arn: string) => Promise<string>;
  /** The ARNs asked for, in order. */
  readonly asked: string[];
}

export function secretsStub(
  values: Readonly<Record<string, string>>,
  missing = 'ResourceNotFoundException',
): SecretsStub {
  const asked: string[] = [];
  const fetch = async (arn: string) => {
    asked.push(arn);
    const value = values[arn];
    if (value === undefined) throw new Error(missing);
    return value;
  };
  return { fetch, asked };
}
