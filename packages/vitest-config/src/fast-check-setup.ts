// Runs before every test file (vitest setupFiles): one fast-check configuration for the repository.
import { configureFastCheckSeed } from './fast-check-seed.js';

configureFastCheckSeed(process.env);
