import { describe, expect, it } from 'vitest';
import { lambdaContext } from '../src/lambda-context.js';

describe('lambdaContext', () => {
  it('is a frozen, complete Context with a fresh request id each time', () => {
    const context = lambdaContext();
    expect(Object.isFrozen(context)).toBe(true);
    expect(context.getRemainingTimeInMillis()).toBe(30_000);
    expect(context.invokedFunctionArn).toMatch(/^arn:aws:lambda:eu-west-1:\d{12}:function:/);
    expect(lambdaContext().awsRequestId).not.toBe(context.awsRequestId);
  });

  it('takes overrides, and the ARN follows the function name', () => {
    const context = lambdaContext({ functionName: 'message-filter', awsRequestId: 'r-1' });
    expect(context.awsRequestId).toBe('r-1');
    expect(context.invokedFunctionArn.endsWith(':function:message-filter')).toBe(true);
  });
});
