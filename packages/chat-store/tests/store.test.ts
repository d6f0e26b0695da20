import { redisForTests } from '@game-chat/testing/redis-server';
import { describeStoreContract } from './store-contract.js';

describeStoreContract(() => redisForTests());
