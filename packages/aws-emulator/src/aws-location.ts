/** The account and region the local ARNs are built with. */
export interface AwsLocation {
  readonly region: string;
  readonly accountId: string;
}

export const LOCAL_AWS: AwsLocation = { region: 'us-east-1', accountId: '000000000000' };
