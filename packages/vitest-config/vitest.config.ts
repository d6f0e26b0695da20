import { defineChatVitestConfig } from './src/index.js';

export default defineChatVitestConfig();
